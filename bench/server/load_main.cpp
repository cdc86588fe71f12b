// credits_load: the server benchmark's load generator (BENCHMARKS.md, "Server").
//
//   credits_load http --url http://127.0.0.1:8080 --token-file F [--clients 1,8,32] [--seconds 5]
//                     [--pooled] [--batch N]
//     N keep-alive clients, each sending POST /v1/charges back to back (a new key each time),
//     for each client count in turn; prints one JSON line per count: durable charges per
//     second and latency percentiles (each charge is answered only once it is committed).
//     --pooled: every client charges one workspace. --batch N: each request is
//     POST /v1/ops/batch with N charge operations (each charge counts with the request's latency).
//     --url A,B,C: several servers sharing one ledger (PostgreSQL); the set-up goes through the
//     first, client c sends to the (c mod n)-th.
//   credits_load ops --ops N [--users U]
//     prints N operations as JSON Lines (users, subscriptions, top-ups, then charges and some
//     refunds) for `credits ledger --db` apply-rate runs.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using nlohmann::json;

namespace {

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "credits_load: " << why
            << "\nusage: credits_load http --url URL --token-file FILE [--clients 1,8,32] "
               "[--seconds 5] [--pooled]"
               " [--batch N]\n"
               "       credits_load ops --ops N [--users U]\n";
  std::exit(2);
}

struct Args {
  std::string mode, url, token_file;
  std::vector<std::string> urls;  // --url split at commas; url is the first
  std::vector<int> clients{1, 8, 32};
  double seconds = 5;
  bool pooled = false;
  int batch = 0;  // > 0: POST /v1/ops with arrays of this many charge operations
  long ops = 1000000;
  int users = 1000;
};

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) usage("no mode");
  a.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(k + " needs a value");
      return argv[++i];
    };
    if (k == "--url") {
      std::stringstream ss(next());
      for (std::string part; std::getline(ss, part, ',');) a.urls.push_back(part);
      a.url = a.urls.empty() ? std::string() : a.urls.front();
    } else if (k == "--token-file")
      a.token_file = next();
    else if (k == "--seconds")
      a.seconds = std::stod(next());
    else if (k == "--pooled")
      a.pooled = true;
    else if (k == "--batch")
      a.batch = std::stoi(next());
    else if (k == "--ops")
      a.ops = std::stol(next());
    else if (k == "--users")
      a.users = std::stoi(next());
    else if (k == "--clients") {
      a.clients.clear();
      std::stringstream ss(next());
      std::string part;
      while (std::getline(ss, part, ',')) a.clients.push_back(std::stoi(part));
    } else
      usage("unknown option " + k);
  }
  return a;
}

// The nodes charged, with the prices the server quoted for them.
struct Priced {
  json node;
  json quoted;
};

const char* kNodes[] = {
    R"({"id":"img","model":"flux-1-schnell","params":{"size":"1024x1024"}})",
    R"({"id":"vid","model":"veo-3","params":{"resolution":"720p","duration_s":4}})",
    R"({"id":"tts","model":"elevenlabs-flash","params":{"characters":1200}})",
    R"({"id":"pic","model":"nano-banana","params":{"num_images":2}})",
};

// What every client count's run shares: the token, the priced nodes, one user per client.
struct Fixture {
  httplib::Headers headers;
  std::string run;  // keeps keys and users apart from earlier runs on the same ledger
  std::vector<Priced> priced;
  std::string rate_card;
  std::vector<std::string> users;
};

httplib::Headers auth_headers(const Args& a) {
  if (a.url.empty() || a.token_file.empty()) usage("http needs --url and --token-file");
  std::ifstream tf(a.token_file);
  std::string token;
  tf >> token;
  if (token.empty()) usage("cannot read the token from " + a.token_file);
  return {{"Authorization", "Bearer " + token}};
}

// Quotes the nodes, then creates one user per client (each with its own wallet, or all in one
// pooled workspace).
Fixture set_up(const Args& a) {
  Fixture f;
  f.headers = auth_headers(a);
  httplib::Client setup(a.url);
  setup.set_keep_alive(true);
  setup.set_tcp_nodelay(true);
  auto post = [&](const std::string& path, const json& body) {
    auto res = setup.Post(path, f.headers, body.dump(), "application/json");
    if (!res) usage("cannot reach " + a.url + path);
    return json::parse(res->body, nullptr, false);
  };
  f.run = std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);
  for (const char* n : kNodes) {
    json q = post("/v1/quotes", json::parse(n));
    if (!q.value("ok", false)) usage("quote failed: " + q.dump());
    f.rate_card = q["rate_card"];
    f.priced.push_back({json::parse(n), q["exact"].get<bool>()
                                            ? q["credits"]
                                            : json{{"min", q["min"]}, {"max", q["max"]}}});
  }
  const int most = *std::max_element(a.clients.begin(), a.clients.end());
  const std::string ws = "load-" + f.run;
  for (int i = 0; i < most; ++i) {
    std::string u = "load-" + f.run + "-" + std::to_string(i);
    f.users.push_back(u);
    post("/v1/ops", {{"op", "create_user"}, {"user", u}});
    if (!a.pooled)
      post("/v1/ops", {{"op", "top_up"},
                       {"payer", "user:" + u},
                       {"credits", 1000000000000000LL},
                       {"key", "topup-" + u}});
  }
  if (a.pooled) {
    post("/v1/ops", {{"op", "create_workspace"}, {"workspace", ws}, {"admin", f.users[0]}});
    post("/v1/ops", {{"op", "top_up"},
                     {"payer", "workspace:" + ws},
                     {"credits", 1000000000000000LL},
                     {"key", "topup-" + ws},
                     {"by", f.users[0]}});
    for (int i = 0; i < most; ++i) {
      if (i)
        post("/v1/ops",
             {{"op", "add_member"}, {"workspace", ws}, {"user", f.users[i]}, {"by", f.users[0]}});
      post("/v1/ops", {{"op", "switch"}, {"user", f.users[i]}, {"workspace", ws}});
    }
  }
  return f;
}

// One client's charge bodies, built before the clock starts: only the key changes.
class ChargeBodies {
 public:
  ChargeBodies(const Fixture& f, int clients, int c) : rng_(static_cast<unsigned>(c + 1)) {
    for (const Priced& p : f.priced) {
      json body = {{"user", f.users[c]},
                   {"node", p.node},
                   {"quoted", p.quoted},
                   {"rate_card", f.rate_card},
                   {"key", "@@"}};
      std::string s = body.dump();
      size_t at = s.find("\"@@\"");
      prefix_.push_back(s.substr(0, at + 1));
      suffix_.push_back(s.substr(at + 3));
    }
    key_base_ = f.run + "-" + std::to_string(clients) + "-" + std::to_string(c) + "-";
  }
  // One charge of a random node, with a new key.
  std::string charge() {
    const size_t k = rng_() % prefix_.size();
    return prefix_[k] + key_base_ + std::to_string(n_++) + suffix_[k];
  }
  // An array of `count` charge operations.
  std::string batch(size_t count) {
    std::string body = "[";
    for (size_t i = 0; i < count; ++i) {
      if (i) body += ',';
      body += charge();
      body.insert(body.size() - 1, ",\"op\":\"charge\"");
    }
    body += "]";
    return body;
  }

 private:
  std::mt19937 rng_;
  std::vector<std::string> prefix_, suffix_;
  std::string key_base_;
  long n_ = 0;
};

struct ClientResult {
  std::vector<uint32_t> latencies;  // microseconds, one per durable charge
  long errors = 0;
};

// One keep-alive client sending charges back to back from `go` until `stop`.
void client_loop(const Args& a, const Fixture& f, int clients, int c, const std::atomic<bool>& go,
                 const std::atomic<bool>& stop, ClientResult& out) {
  httplib::Client cli(a.urls[static_cast<size_t>(c) % a.urls.size()]);
  cli.set_keep_alive(true);
  cli.set_tcp_nodelay(true);
  cli.set_read_timeout(30, 0);
  out.latencies.reserve(1 << 20);
  ChargeBodies bodies(f, clients, c);
  const char* path = a.batch > 0 ? "/v1/ops/batch" : "/v1/charges";
  const size_t count = a.batch > 0 ? static_cast<size_t>(a.batch) : 1;
  while (!go) std::this_thread::yield();
  while (!stop) {
    const std::string body = a.batch > 0 ? bodies.batch(count) : bodies.charge();
    auto t0 = std::chrono::steady_clock::now();
    auto res = cli.Post(path, f.headers, body, "application/json");
    auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    bool ok = res && res->status == 200;
    if (ok && a.batch > 0) ok = res->body.find("\"ok\":false") == std::string::npos;
    if (!ok) {
      if (++out.errors == 1)
        std::cerr << "error: " << (res ? res->body.substr(0, 300) : httplib::to_string(res.error()))
                  << "\n";
      continue;
    }
    // Every charge of a batch is answered when the batch is: each gets its latency.
    for (size_t i = 0; i < count; ++i) out.latencies.push_back(static_cast<uint32_t>(us));
  }
}

// Durable charges per second and latency percentiles over `seconds` with `clients` clients.
json measure(const Args& a, const Fixture& f, int clients) {
  std::atomic<bool> go{false}, stop{false};
  std::vector<ClientResult> results(clients);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] { client_loop(a, f, clients, c, go, stop, results[c]); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // connections set up
  const auto t0 = std::chrono::steady_clock::now();
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(a.seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<uint32_t> all;
  long errs = 0;
  for (const ClientResult& r : results) {
    all.insert(all.end(), r.latencies.begin(), r.latencies.end());
    errs += r.errors;
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    if (all.empty()) return 0.0;
    size_t i = std::min(all.size() - 1, static_cast<size_t>(p * static_cast<double>(all.size())));
    return all[i] / 1000.0;
  };
  return {{"clients", clients},
          {"pooled", a.pooled},
          {"batch", a.batch},
          {"seconds", secs},
          {"charges", all.size()},
          {"errors", errs},
          {"charges_per_second", static_cast<long>(static_cast<double>(all.size()) / secs)},
          {"p50_ms", pct(0.50)},
          {"p90_ms", pct(0.90)},
          {"p99_ms", pct(0.99)},
          {"max_ms", all.empty() ? 0.0 : all.back() / 1000.0}};
}

int run_http(const Args& a) {
  const Fixture f = set_up(a);
  for (int clients : a.clients) std::cout << measure(a, f, clients).dump() << std::endl;
  return 0;
}

// Operations for `credits ledger --db` apply-rate runs, with client times one second apart
// per thousand operations.
int run_ops(const Args& a) {
  std::mt19937 rng(42);
  const long start = 1793523600;  // 2026-11-01T09:00:00Z
  auto at = [&](long i) {
    std::time_t t = static_cast<std::time_t>(start + i / 1000);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return std::string(buf);
  };
  std::string out;
  long i = 0;
  auto emit = [&](const json& op) {
    out += op.dump();
    out += '\n';
    if (out.size() > (1 << 20)) {
      std::cout << out;
      out.clear();
    }
    ++i;
  };
  for (int u = 0; u < a.users && i < a.ops; ++u) {
    const std::string user = "u" + std::to_string(u);
    emit({{"op", "create_user"}, {"at", at(i)}, {"user", user}});
    emit({{"op", "subscribe"}, {"at", at(i)}, {"payer", "user:" + user}, {"quota", 5000}});
    emit({{"op", "top_up"},
          {"at", at(i)},
          {"payer", "user:" + user},
          {"credits", 1000000000000LL},
          {"key", "t" + user}});
  }
  // The nodes' prices on the sample card 2026-11-01 (the ledger checks them: a wrong one would
  // be refused as price_mismatch, and the run would measure refusals).
  const long prices[] = {1, 160, 6, 8};
  std::vector<std::pair<json, long>> priced;
  for (size_t k = 0; k < std::size(kNodes); ++k)
    priced.push_back({json::parse(kNodes[k]), prices[k]});
  long charge = 0;
  while (i < a.ops) {
    const std::string user = "u" + std::to_string(rng() % static_cast<unsigned>(a.users));
    const auto& p = priced[rng() % priced.size()];
    const std::string key = "c" + std::to_string(charge++);
    emit({{"op", "charge"},
          {"at", at(i)},
          {"user", user},
          {"key", key},
          {"node", p.first},
          {"quoted", p.second},
          {"rate_card", "2026-11-01"}});
    if (rng() % 20 == 0 && i < a.ops) emit({{"op", "fail"}, {"at", at(i)}, {"charge", key}});
  }
  std::cout << out;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  if (a.mode == "http") return run_http(a);
  if (a.mode == "ops") return run_ops(a);
  usage("unknown mode " + a.mode);
}
