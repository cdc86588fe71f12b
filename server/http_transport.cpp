#include "http_transport.hpp"

#include "http_answer.hpp"
#include "http_framing.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>

namespace credits::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded (a malformed escape is kept as it is); in a query, '+' is a space.
std::string percent_decode(std::string_view s, bool query) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += query && s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!q.empty()) {
    const size_t amp = q.find('&');
    const std::string_view part = q.substr(0, amp);
    if (!part.empty()) {
      const size_t eq = part.find('=');
      params.emplace_back(percent_decode(part.substr(0, eq), true),
                          eq == std::string_view::npos ? std::string() : percent_decode(part.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return params;
}

HttpRequest to_request(http::request<http::string_body>&& r) {
  HttpRequest req;
  req.method = std::string(r.method_string());
  const std::string_view target = r.target();
  const size_t qmark = target.find('?');
  req.path = percent_decode(target.substr(0, qmark), false);
  if (qmark != std::string_view::npos) req.params = parse_query(target.substr(qmark + 1));
  for (const auto& f : r) req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  req.body = std::move(r.body());
  return req;
}

bool is_http_error(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_field).category();
}

}  // namespace

const std::string* HttpRequest::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return &v;
  return nullptr;
}

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return &v;
  return nullptr;
}

class Connection;

struct HttpTransport::Impl {
  Impl(HttpLimits l, HttpHandler h)
      : limits(l), handler(std::move(h)), ioc(std::max(1, l.io_threads)), acceptor(net::make_strand(ioc)), retry(ioc) {}

  void accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void refuse_over_cap(tcp::socket& socket);

  const HttpLimits limits;
  const HttpHandler handler;
  // Declared before the io_context, so that they outlive it: destroying it destroys the
  // connections still in its queues, which unregister themselves under the mutex.
  HttpCounters counters;
  std::atomic<bool> stopping{false};
  std::mutex connections_mutex;
  std::unordered_set<Connection*> connections;  // for stop(); each removes itself when it ends
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer retry;
};

// One client connection, on its own strand: read a request, hand it over, write the answer,
// then the next request (a pipelined one is already in the buffer) or close.
class Connection : public std::enable_shared_from_this<Connection>, public HttpExchange::Channel {
 public:
  Connection(tcp::socket socket, HttpTransport::Impl& t) : stream_(std::move(socket)), t_(t) {
    ++t_.counters.open;
    std::lock_guard<std::mutex> l(t_.connections_mutex);
    t_.connections.insert(this);
  }
  ~Connection() override {
    {
      std::lock_guard<std::mutex> l(t_.connections_mutex);
      t_.connections.erase(this);
    }
    --t_.counters.open;
  }

  // The first request must arrive whole within --read-timeout of the connection's opening.
  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stream_.expires_after(std::chrono::seconds(self->t_.limits.read_timeout_s));
      self->read_header();
    });
  }

  // On stop: a connection that is reading (idle or mid-request) is closed now; one whose
  // request was handed over writes its answer first, then closes.
  void stop() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::reading) self->close_now();
    });
  }

  void reply(HttpResponse response) override {
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this(), r = std::move(response)]() mutable { self->write(std::move(r)); });
  }

  void post(std::function<void()> work) override { net::post(stream_.get_executor(), std::move(work)); }

 private:
  enum class State { reading, handling, writing, closing };

  // A kept-alive connection waits up to --keep-alive for the next request's first byte; from
  // that byte on, the whole request has --read-timeout.
  void next_request() {
    state_ = State::reading;
    if (buffer_.size() > 0) {  // pipelined: already here
      stream_.expires_after(std::chrono::seconds(t_.limits.read_timeout_s));
      return read_header();
    }
    stream_.expires_after(std::chrono::seconds(t_.limits.keep_alive_s));
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) return self->on_read_failed(ec);
      self->buffer_.commit(n);
      self->stream_.expires_after(std::chrono::seconds(self->t_.limits.read_timeout_s));
      self->read_header();
    });
  }

  void read_header() {
    state_ = State::reading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(t_.limits.max_header_bytes));
    parser_->body_limit(t_.limits.max_body);
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->on_read_failed(ec);
      self->on_header();
    });
  }

  // Checks Beast's parser leaves to the application, then reads the body (413 before it is
  // read when Content-Length is over --max-body: the parser refuses it with the header).
  void on_header() {
    const auto& h = parser_->get();
    // Only origin-form targets ("/path?query"): the absolute form is for proxies, and a path
    // not starting with "/" must never reach a file name.
    if (h.target().empty() || h.target()[0] != '/')
      return refuse(ErrorCode::bad_request, "the request target must start with /");
    const size_t fields = static_cast<size_t>(std::distance(h.begin(), h.end()));
    if (fields > t_.limits.max_header_fields)
      return refuse(ErrorCode::header_too_large,
                    "more than " + std::to_string(t_.limits.max_header_fields) + " header fields");
    if (!framing_ok(h))
      return refuse(ErrorCode::bad_request, "Transfer-Encoding other than chunked, or with Content-Length");
    if (iequals(h[http::field::expect], "100-continue")) return send_continue();
    read_body();
  }

  // curl sends "Expect: 100-continue" with bodies over 1 KB and waits a second for this.
  void send_continue() {
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(stream_, net::buffer(kContinue), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->on_read_failed(ec);
      self->read_body();
    });
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->on_read_failed(ec);
      self->hand_over();
    });
  }

  void on_read_failed(beast::error_code ec) {
    if (ec == beast::error::timeout) {
      ++t_.counters.timeouts;
      return close_now();
    }
    if (ec == http::error::body_limit)
      return refuse(ErrorCode::payload_too_large,
                    "the body is over the server's limit (--max-body " + std::to_string(t_.limits.max_body) + " bytes)");
    if (ec == http::error::header_limit)
      return refuse(ErrorCode::header_too_large,
                    "the header is over " + std::to_string(t_.limits.max_header_bytes) + " bytes");
    // A client closing between requests, or mid-request, is not answered.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message || !is_http_error(ec)) return close_now();
    refuse(ErrorCode::bad_request, "malformed request: " + ec.message());
  }

  // Answers an unreadable request and closes: what follows it cannot be framed.
  void refuse(ErrorCode code, const std::string& message) {
    ++t_.counters.malformed;
    keep_alive_ = false;
    head_ = false;
    version_ = 11;
    write(error_answer(Error(code, message)));
  }

  void hand_over() {
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    head_ = msg.method() == http::verb::head;
    HttpRequest req = to_request(parser_->release());
    parser_.reset();
    state_ = State::handling;  // before the handler: it may answer inside the call
    t_.handler(std::move(req), HttpExchange(shared_from_this()));
  }

  void write(HttpResponse r) {
    if (state_ == State::writing || state_ == State::closing) return;  // answered already
    state_ = State::writing;
    const bool keep = keep_alive_ && !t_.stopping;
    res_ = {};
    res_.version(version_);
    res_.result(static_cast<unsigned>(r.status));
    res_.set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res_.set(k, v);
    res_.body() = std::move(r.body);
    res_.keep_alive(keep);
    res_.prepare_payload();
    if (head_) res_.body().clear();  // Content-Length stays: the size a GET would have
    stream_.expires_after(std::chrono::seconds(t_.limits.read_timeout_s));
    http::async_write(stream_, res_, [self = shared_from_this(), keep](beast::error_code ec, size_t) {
      if (ec) return self->close_now();
      if (keep && !self->t_.stopping) return self->next_request();
      self->close_gracefully();
    });
  }

  // Half-closes and reads what the client still sends until it closes (bounded by the
  // deadline), so the kernel does not reset the connection and drop the answer before the
  // client has read it.
  void close_gracefully() {
    state_ = State::closing;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(std::min(2, std::max(1, t_.limits.read_timeout_s))));
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close_now();
      self->drain();
    });
  }

  void close_now() {
    state_ = State::closing;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  HttpTransport::Impl& t_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::array<char, 4096> scratch_{};
  State state_ = State::reading;
  bool keep_alive_ = true;
  bool head_ = false;
  unsigned version_ = 11;
};

void HttpTransport::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void HttpTransport::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || stopping) return;
  if (ec) {
    // Out of file descriptors, most likely: try again shortly rather than spin.
    retry.expires_after(std::chrono::milliseconds(50));
    retry.async_wait([this](beast::error_code e) {
      if (!e && !stopping) accept();
    });
    return;
  }
  if (counters.open >= limits.max_connections) {
    refuse_over_cap(socket);
  } else {
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Connection>(std::move(socket), *this)->start();
  }
  accept();
}

// Over the cap, a connection is not kept waiting: a 503 is written (a few bytes, without
// waiting) and it is closed. A client that had already sent its request may see a reset.
void HttpTransport::Impl::refuse_over_cap(tcp::socket& socket) {
  ++counters.refused;
  static const std::string answer = [] {
    const HttpResponse r = error_answer(Error(ErrorCode::unavailable, "too many connections; try again later"));
    return "HTTP/1.1 " + std::to_string(r.status) + " " +
           std::string(http::obsolete_reason(http::int_to_status(static_cast<unsigned>(r.status)))) +
           "\r\nContent-Type: " + r.content_type + "\r\nConnection: close\r\nContent-Length: " +
           std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
  }();
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(net::buffer(answer), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

HttpTransport::HttpTransport(const std::string& host, int port, HttpLimits limits, HttpHandler handler)
    : impl_(std::make_unique<Impl>(limits, std::move(handler))) {
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(host, ec);
  if (ec) {  // a name, e.g. localhost
    tcp::resolver resolver(impl_->ioc);
    auto found = resolver.resolve(host, std::to_string(port), ec);
    if (ec || found.empty()) throw std::runtime_error("cannot resolve " + host);
    address = found.begin()->endpoint().address();
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  // A deep backlog: 256 clients connecting at once must not wait for SYN retries.
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error(ec.message());
}

HttpTransport::~HttpTransport() = default;

int HttpTransport::port() const { return impl_->acceptor.local_endpoint().port(); }

const HttpCounters& HttpTransport::counters() const { return impl_->counters; }

void HttpTransport::run() {
  impl_->accept();
  std::vector<std::thread> extra;
  for (int i = 1; i < impl_->limits.io_threads; ++i) extra.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : extra) t.join();
}

void HttpTransport::stop(int grace_s) {
  Impl& t = *impl_;
  t.stopping = true;
  net::dispatch(t.acceptor.get_executor(), [&t] {
    beast::error_code ignored;
    t.acceptor.close(ignored);
    t.retry.cancel();
  });
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard<std::mutex> l(t.connections_mutex);
    for (Connection* c : t.connections)
      if (auto alive = c->weak_from_this().lock()) open.push_back(std::move(alive));
  }
  // Outside the lock: dropping the last reference to a connection takes it in the destructor.
  for (auto& c : open) c->stop();
  open.clear();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(grace_s);
  while (t.counters.open > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  t.ioc.stop();
}

}  // namespace credits::server
