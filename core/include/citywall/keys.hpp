// CURVE keys (ZeroMQ RFC 26) as the whole city uses them: each department, each wall and the
// ingest hold one key pair, written as Z85 text in key files (format: docs/security.md).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "citywall/result.hpp"

namespace citywall {

inline constexpr std::size_t kCurveKeyChars = 40;  // Z85 text of a 32-byte CURVE key
inline constexpr std::size_t kCurveKeyBytes = 32;

// A CURVE key pair as Z85 text. secret_key is empty when only the public half is known.
struct KeyPair {
    std::string public_key;
    std::string secret_key;
};

// What a reader of an ingest's wall stream holds (a wall, a console, another centre's ingest):
// its own pair and the ingest's public key.
struct WallKeys {
    KeyPair own;
    std::string ingest_public_key;
};

// Checks a Z85 CURVE key: exactly 40 characters of the Z85 alphabet that decode to 32 bytes.
// Returns the key itself, or the reason it is not one (never throws).
Result<std::string> parse_curve_key(std::string_view z85);
// A checked key's 32 bytes, and back (empty when `binary` is not 32 bytes).
std::string curve_key_bytes(std::string_view z85);
std::string curve_key_text(std::string_view binary);

// A fresh key pair from libzmq (libsodium underneath); fails when libzmq lacks CURVE.
Result<KeyPair> generate_key_pair();

// The public key that belongs to a secret key.
Result<std::string> public_key_of(std::string_view secret_key);

// ---- Key files (format: docs/security.md) -------------------------------------------------------
//
//   # comment
//   public = "<40 Z85 characters>"
//   secret = "<40 Z85 characters>"      (only in NAME.key)
//
// NAME.key holds both halves and is written 0600; NAME.pub holds the public half only.

struct KeyFiles {
    std::filesystem::path secret_file;  // DIR/NAME.key
    std::filesystem::path public_file;  // DIR/NAME.pub
};

// A key file name: 1..64 characters of [A-Za-z0-9._-], not starting with '.'.
bool valid_key_name(std::string_view name);
KeyFiles key_files_for(const std::filesystem::path& dir, std::string_view name);

// The text of a key file; with_secret: the NAME.key text, else the NAME.pub text.
std::string key_file_text(std::string_view name, const KeyPair& keys, bool with_secret);
// Parses a key file's text. `public` is required; `secret`, when present, must belong to it.
Result<KeyPair> parse_key_file(std::string_view text);

// NAME.key: must hold a secret and be readable by its owner only (like ssh, a key file that
// group or others may read is refused: "chmod 600 FILE").
Result<KeyPair> load_secret_key_file(const std::filesystem::path& file);
// NAME.pub (or NAME.key: only its public half is returned).
Result<std::string> load_public_key_file(const std::filesystem::path& file);

// Writes DIR/NAME.key (0600) and DIR/NAME.pub (0644), creating DIR (0700) when missing. Refuses
// to replace an existing file unless overwrite; each file appears complete or not at all.
Result<KeyFiles> write_key_files(const std::filesystem::path& dir, std::string_view name,
                                 const KeyPair& keys, bool overwrite);

// A reader's keys from its NAME.key and the ingest's NAME.pub (the error names the file).
Result<WallKeys> load_wall_keys(const std::filesystem::path& key_file,
                                const std::filesystem::path& ingest_key_file);

// Makes a ZeroMQ socket (its libzmq handle) a CURVE client that talks only to the holder of
// `server_public_key` and proves it holds `own`: a department towards ingest, a wall or another
// ingest towards an ingest's wall stream. Call before connect.
Result<void> make_curve_client(void* socket, std::string_view server_public_key,
                               const KeyPair& own);

}  // namespace citywall
