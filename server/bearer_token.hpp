// The server's bearer token: the file it is kept in (created with 256 random bits when
// missing, so backends keep their token across restarts) and the check of a request's
// Authorization header. docs/server.md, "--token-file" and "Security".
#pragma once

#include <string>

namespace credits::server {

// The token from `token_file`, or from <db>.token when none is given; `where` gets the file's
// path. Read and checked before the ledger is opened, so a bad token file leaves no database
// behind (exit 2, invalid_token). `missing` says that <db>.token does not exist yet: make_token
// creates it once the ledger opened.
std::string read_token(const std::string& token_file, const std::string& db, std::string& where,
                       bool& missing);

// A new random token in `where` (mode 0600); exits 2 when it cannot be written.
std::string make_token(const std::string& where);

// Whether `authorization` is "Bearer <token>" (the scheme in any case), compared in constant
// time (the length aside).
bool bearer_matches(const std::string& authorization, const std::string& token);

}  // namespace credits::server
