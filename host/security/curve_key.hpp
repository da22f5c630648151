#pragma once
// ZeroMQ CURVE keys in files (README, "Security"). A key file is either the certificate format
// of czmq and pyzmq (`zmq.auth.create_certificates`, `zmakecert`):
//
//   metadata
//   curve
//       public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
//       secret-key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"   (secret files only)
//
// or bare Z85 keys, one per line, `#` comments allowed. agentctl curve-keygen writes the
// certificate format, so that pyzmq's zmq.auth.load_certificate reads our files and we read its.
//
// No ZeroMQ socket here: only libzmq's Z85 and key functions.

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace agenthost::security {

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters; "" for a public certificate
};

// 40 characters of ZeroMQ's Z85 alphabet that decode to 32 bytes.
bool is_z85_key(std::string_view text);

// A secret key file: its key pair (the public half derived from the secret one). Refused when
// others than its owner may read it (like ssh's private keys). The error names the file and
// line and says what to do.
std::variant<CurveKeyPair, std::string> read_secret_key_file(const std::filesystem::path& file);

// The public keys admitted by `path`: one file (certificates or bare keys), or a folder of such
// files (every regular file except secret ones, `*_secret`). Errors name file and line.
std::variant<std::vector<std::string>, std::string> read_public_keys(const std::filesystem::path& path);

// A new key pair from libsodium (through libzmq).
CurveKeyPair generate_key_pair();

// The two certificate files of `pair` for `name`: NAME.key (public) and NAME.key_secret.
std::string public_certificate_text(const CurveKeyPair& pair, std::string_view name);
std::string secret_certificate_text(const CurveKeyPair& pair, std::string_view name);

}  // namespace agenthost::security
