// `--static DIR`: the demo page's files at `/`, and what is never served from there, wherever
// it sits: paths holding a NUL, dotfiles and dot-folders (.git, .env), SQLite files and their
// WAL/shared-memory companions, tokens; and, compared by real path (so a symlink or another name
// does not get round it), the ledger and the token themselves. docs/server.md, "--static".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http_transport.hpp"

namespace credits::server {

class StaticFiles {
 public:
  // None without --static (`dir` empty). Exits 2 when `dir` is not a folder (unreadable_file)
  // or holds the ledger `db` or the `token_file` (unsafe_static): they would be served to anyone.
  static std::optional<StaticFiles> open(const std::string& dir, const std::string& db,
                                         const std::string& token_file);

  // Whether `url_path` must be answered 404 as if it were not there.
  bool refused(const std::string& url_path) const;
  // The file at `url_path` (a folder's index.html), or none: the routes answer instead.
  std::optional<HttpResponse> file(const std::string& url_path) const;

 private:
  StaticFiles(std::string dir, std::string real_dir, std::vector<std::string> secrets)
      : dir_(std::move(dir)), real_dir_(std::move(real_dir)), secrets_(std::move(secrets)) {}

  std::string dir_;                   // as given: where files are read
  std::string real_dir_;              // its real path: where refusals are checked
  std::vector<std::string> secrets_;  // real paths of the ledger, its WAL files and the token
};

}  // namespace credits::server
