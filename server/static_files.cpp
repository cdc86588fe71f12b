#include "static_files.hpp"

#include <sys/stat.h>

#include <cctype>
#include <cstdlib>
#include <map>

#include "command_io.hpp"
#include "pg_store.hpp"

namespace credits::server {

namespace {

// The canonical absolute path of `p`, also when `p` does not exist yet (the db before its first
// start): its folder's real path plus its name.
std::string real_path(const std::string& p) {
  if (char* r = ::realpath(p.c_str(), nullptr)) {
    std::string out(r);
    std::free(r);
    return out;
  }
  const size_t slash = p.find_last_of('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : p.substr(0, slash));
  const std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
  if (char* r = ::realpath(dir.c_str(), nullptr)) {
    std::string out(r);
    std::free(r);
    return (out == "/" ? "" : out) + "/" + name;
  }
  return p;
}

bool inside(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

bool ends_with_ci(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i])
      return false;
  return true;
}

// Files of --static DIR by extension, as browsers need them.
std::string content_type_of(const std::string& path) {
  static const std::map<std::string, std::string> types = {
      {"html", "text/html"},        {"htm", "text/html"},        {"css", "text/css"},
      {"js", "text/javascript"},    {"mjs", "text/javascript"},  {"json", "application/json"},
      {"wasm", "application/wasm"}, {"svg", "image/svg+xml"},    {"png", "image/png"},
      {"jpg", "image/jpeg"},        {"jpeg", "image/jpeg"},      {"gif", "image/gif"},
      {"webp", "image/webp"},       {"ico", "image/x-icon"},     {"txt", "text/plain"},
      {"csv", "text/csv"},          {"map", "application/json"}, {"woff", "font/woff"},
      {"woff2", "font/woff2"},      {"ttf", "font/ttf"},         {"pdf", "application/pdf"},
      {"xml", "application/xml"}};
  const size_t dot = path.find_last_of("./");
  if (dot == std::string::npos || path[dot] != '.') return "application/octet-stream";
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
}

}  // namespace

std::optional<StaticFiles> StaticFiles::open(const std::string& static_dir,
                                             const std::string& db_path,
                                             const std::string& token_where) {
  if (static_dir.empty()) return std::nullopt;
  struct stat st;
  if (::stat(static_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    fail_usage(ErrorCode::unreadable_file, "--static \"" + static_dir + "\" is not a directory");
  const std::string dir = real_path(static_dir);
  const std::string db = real_path(db_path);
  const std::string tok = real_path(token_where);
  if (!PgStore::is_url(db_path) && inside(db, dir))
    fail_usage(ErrorCode::unsafe_static,
               "--static \"" + static_dir + "\" holds the ledger database \"" + db_path +
                   "\": it would be served to anyone; keep the db outside the static folder");
  if (inside(tok, dir))
    fail_usage(ErrorCode::unsafe_static,
               "--static \"" + static_dir + "\" holds the token file \"" + token_where +
                   "\": it would be served to anyone; keep it outside the static folder");
  return StaticFiles(static_dir, dir, {db, db + "-wal", db + "-shm", db + "-journal", tok});
}

bool StaticFiles::refused(const std::string& url_path) const {
  // A NUL (%00) would cut the file name short of what the suffix checks below saw.
  if (url_path.find('\0') != std::string::npos) return true;
  size_t start = 0;
  std::string last;
  while (start <= url_path.size()) {
    size_t end = url_path.find('/', start);
    if (end == std::string::npos) end = url_path.size();
    std::string seg = url_path.substr(start, end - start);
    if (!seg.empty() && seg[0] == '.') return true;
    if (!seg.empty()) last = seg;
    start = end + 1;
  }
  for (const char* s : {".db", ".token", "-wal", "-shm", "-journal", ".sqlite", ".sqlite3"})
    if (ends_with_ci(last, s)) return true;
  std::string file = real_dir_ + url_path;
  if (!file.empty() && file.back() == '/') file += "index.html";
  if (char* r = ::realpath(file.c_str(), nullptr)) {
    std::string real(r);
    std::free(r);
    for (const auto& s : secrets_)
      if (real == s) return true;
  }
  return false;
}

std::optional<HttpResponse> StaticFiles::file(const std::string& url_path) const {
  std::string file = dir_ + url_path;
  if (!file.empty() && file.back() == '/') file += "index.html";
  struct stat st;
  if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  auto text = read_file(file);
  if (!text) return std::nullopt;
  HttpResponse r;
  r.content_type = content_type_of(file);
  r.body = std::move(*text);
  return r;
}

}  // namespace credits::server
