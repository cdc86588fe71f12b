// The HTTP/1.1 transport of `credits serve`: an event loop (Boost.Asio) on a few io threads,
// reading requests with Boost.Beast's strict parser. It knows nothing of the routes: each
// request whole is handed to a Handler, which answers once (at once, or later from any
// thread). What it enforces, so that slow or hostile clients cannot starve the others:
// - a deadline for each whole request (headers and body), counted from the connection's
//   opening or, on a kept-alive connection, from the request's first byte; an idle
//   keep-alive connection is closed after its own timeout;
// - limits on the header (bytes and fields) and on the body (413 before the body is read);
// - strict framing: conflicting Content-Length, Content-Length with Transfer-Encoding, a
//   coding other than chunked, a header line without a colon: 400 and the connection closed
//   (a proxy in front could read such a request otherwise: request smuggling);
// - a cap on open connections: beyond it a connection is answered 503 and closed at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credits::server {

struct HttpRequest {
  std::string method;  // as sent: "GET", "POST", ...
  std::string path;    // percent-decoded, without the query
  std::vector<std::pair<std::string, std::string>> params;   // the query, decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;

  // The first query parameter / header of that name (headers case-insensitively), or null.
  const std::string* param(std::string_view name) const;
  const std::string* header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// How a handler answers its request, once, from any thread. `post` runs work on the
// connection's io thread (to turn a ledger result into bytes off the ledger's threads).
class HttpExchange {
 public:
  struct Channel {
    virtual ~Channel() = default;
    virtual void reply(HttpResponse response) = 0;
    virtual void post(std::function<void()> work) = 0;
  };
  explicit HttpExchange(std::shared_ptr<Channel> channel) : channel_(std::move(channel)) {}
  void reply(HttpResponse response) const { channel_->reply(std::move(response)); }
  void post(std::function<void()> work) const { channel_->post(std::move(work)); }

 private:
  std::shared_ptr<Channel> channel_;
};

using HttpHandler = std::function<void(HttpRequest request, HttpExchange exchange)>;

struct HttpLimits {
  int io_threads = 2;
  int read_timeout_s = 5;   // a whole request, headers and body
  int keep_alive_s = 5;     // an idle connection between requests
  size_t max_body = 1 << 20;
  size_t max_header_bytes = 8192;  // the request line and all header lines
  size_t max_header_fields = 100;
  size_t max_connections = 1024;
};

struct HttpCounters {
  std::atomic<uint64_t> open{0};       // connections open now
  std::atomic<uint64_t> refused{0};    // connections refused over the cap
  std::atomic<uint64_t> timeouts{0};   // connections closed at a deadline
  std::atomic<uint64_t> malformed{0};  // requests refused by the parser or the limits
};

class HttpTransport {
 public:
  // Binds host:port (0: any free port) with a deep backlog; fails with a message.
  HttpTransport(const std::string& host, int port, HttpLimits limits, HttpHandler handler);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  int port() const;
  // Serves on the io threads until stop(); returns once they have ended.
  void run();
  // From any thread: stops accepting, closes connections that are idle or mid-request, lets
  // those whose request was handed to the handler write their answer (up to `grace_s`), then
  // ends the io threads.
  void stop(int grace_s = 10);

  const HttpCounters& counters() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace credits::server
