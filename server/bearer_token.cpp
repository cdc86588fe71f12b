#include "bearer_token.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>

#include "command_io.hpp"

namespace credits::server {

namespace {

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(s.find_last_not_of(ws) + 1);
  s.erase(0, s.find_first_not_of(ws));
  return s;
}

std::string random_token() {
  unsigned char bytes[32];
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::read(fd, bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes))
    fail_usage(ErrorCode::internal, "cannot read /dev/urandom to make a token");
  ::close(fd);
  static const char* hex = "0123456789abcdef";
  std::string t;
  for (unsigned char b : bytes) {
    t += hex[b >> 4];
    t += hex[b & 15];
  }
  return t;
}

// A token file holds one line: at least 16 printable characters without spaces (what a client
// sends after "Bearer "), a trailing newline allowed. Anything else (an empty file, two lines,
// spaces inside) is refused at start: a server whose token no client can send is of no use.
void check_token_text(const std::string& text, const std::string& where) {
  std::string t = text;
  if (!t.empty() && t.back() == '\n') t.pop_back();
  if (!t.empty() && t.back() == '\r') t.pop_back();
  for (unsigned char c : t)
    if (c < 0x21 || c > 0x7e)
      fail_usage(
          ErrorCode::invalid_token,
          "the token file " + where +
              " must hold one line of printable characters without spaces (found " +
              (c == '\n' ? std::string("more than one line") : "a space or control character") +
              ")");
  if (t.size() < 16)
    fail_usage(ErrorCode::invalid_token, "the token in " + where +
                                             " is shorter than 16 characters (" +
                                             std::to_string(t.size()) + ")");
  if (t.size() > 4096)
    fail_usage(ErrorCode::invalid_token,
               "the token in " + where + " is longer than 4096 characters");
}

// Compares without an early exit, so the time taken does not tell how much of a guess matched.
bool same_token(const std::string& given, const std::string& token) {
  volatile unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (size_t i = 0; i < token.size(); ++i)
    diff = diff | (token[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

}  // namespace

std::string read_token(const std::string& token_file, const std::string& db, std::string& where,
                       bool& missing) {
  where = token_file.empty() ? db + ".token" : token_file;
  missing = false;
  if (auto text = read_file(where)) {
    check_token_text(*text, where);
    return trim(*text);
  }
  if (!token_file.empty())
    fail_usage(ErrorCode::unreadable_file, "cannot read the token file \"" + token_file + "\"");
  missing = true;
  return "";
}

std::string make_token(const std::string& where) {
  std::string t = random_token();
  int fd = ::open(where.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, (t + "\n").data(), t.size() + 1) != static_cast<ssize_t>(t.size() + 1))
    fail_usage(ErrorCode::unreadable_file, "cannot write a new token to \"" + where + "\"");
  ::fsync(fd);
  ::close(fd);
  return t;
}

bool bearer_matches(const std::string& authorization, const std::string& token) {
  static const std::string scheme = "bearer ";
  bool ok = authorization.size() > scheme.size();
  for (size_t i = 0; ok && i < scheme.size(); ++i)
    ok = std::tolower(static_cast<unsigned char>(authorization[i])) == scheme[i];
  return ok && same_token(trim(authorization.substr(scheme.size())), token);
}

}  // namespace credits::server
