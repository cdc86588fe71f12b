// The framing rules a request header must pass before its body is read (issue 8, defect 3;
// docs/server.md): header-only so that the transport and the HTTP fuzzer check the very same
// code, the fuzzer without linking the server.
#pragma once
#include <algorithm>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstddef>
#include <string_view>

namespace credits::server {

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Beast refuses Content-Length after Transfer-Encoding: chunked and the reverse; a coding
// other than chunked (or two Transfer-Encoding lines) would be read as a body without
// length, so it is refused too (RFC 9112 §6.1).
inline bool framing_ok(const boost::beast::http::request_header<>& h) {
  size_t te = 0;
  for (const auto& f : h)
    if (f.name() == boost::beast::http::field::transfer_encoding) {
      ++te;
      if (!iequals(f.value(), "chunked")) return false;
    }
  return te == 0 || (te == 1 && h.find(boost::beast::http::field::content_length) == h.end());
}

}  // namespace credits::server
