// CURVE key files (security/curve_key.hpp), host.curve in the config, the ZAP decision and
// `agentctl curve-keygen`: formats read, mistakes refused with the file and line and what to do.

#include <sys/stat.h>

#include <sstream>

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "control/curve_keygen_command.hpp"
#include "messaging/zap_authenticator.hpp"
#include "security/curve_key.hpp"
#include "../config/test_support.hpp"

namespace agenthost::security {
namespace {

using testing::TempDir;
using testing::fake_env;
using testing::formatted;

template <typename T>
T ok(const std::variant<T, std::string>& result) {
  if (auto* error = std::get_if<std::string>(&result)) ADD_FAILURE() << *error;
  return std::holds_alternative<T>(result) ? std::get<T>(result) : T{};
}

std::string error_of(const auto& result) {
  auto* error = std::get_if<std::string>(&result);
  return error ? *error : "(no error)";
}

std::string write_private(const TempDir& dir, const std::string& name, const std::string& text) {
  auto file = dir.write(name, text);
  ::chmod(file.c_str(), 0600);
  return file;
}

TEST(CurveKeyTest, ReadsCertificatesAndBareKeysAndDerivesThePublicHalf) {
  TempDir dir;
  const auto pair = generate_key_pair();
  EXPECT_TRUE(is_z85_key(pair.public_key));
  EXPECT_TRUE(is_z85_key(pair.secret_key));
  EXPECT_NE(pair.public_key, pair.secret_key);

  const auto from_certificate = ok(read_secret_key_file(write_private(dir, "a.key_secret",
                                                                       secret_certificate_text(pair, "a"))));
  EXPECT_EQ(from_certificate.secret_key, pair.secret_key);
  EXPECT_EQ(from_certificate.public_key, pair.public_key);

  const auto from_bare = ok(read_secret_key_file(write_private(dir, "bare", "# a comment\n\n" + pair.secret_key + "\n")));
  EXPECT_EQ(from_bare.public_key, pair.public_key);

  // Z85 has '=' and '#' in its alphabet: a bare key with them is still a key.
  const std::string with_equals = "0=000" + std::string(35, '0');
  ASSERT_TRUE(is_z85_key(with_equals));
  const auto keys = ok(read_public_keys(dir.write("public", with_equals + "\n")));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0], with_equals);
}

TEST(CurveKeyTest, RefusesReadableSecretsWrongFilesAndBadKeysWithFileAndLine) {
  TempDir dir;
  const auto pair = generate_key_pair();
  const auto open_file = dir.write("open.key_secret", secret_certificate_text(pair, "open"));
  ::chmod(open_file.c_str(), 0644);
  EXPECT_EQ(error_of(read_secret_key_file(open_file)),
            open_file + ": the secret key file has mode 0644: others may read or change it (chmod 600 " + open_file +
                ")");

  const auto public_only = write_private(dir, "p.key", public_certificate_text(pair, "p"));
  EXPECT_NE(error_of(read_secret_key_file(public_only)).find("holds no secret key, only a public one (give the "
                                                             "secret certificate, NAME.key_secret"),
            std::string::npos);

  const auto other = generate_key_pair();
  const auto mismatched = write_private(dir, "m", "public-key = \"" + other.public_key + "\"\nsecret-key = \"" +
                                                      pair.secret_key + "\"\n");
  EXPECT_NE(error_of(read_secret_key_file(mismatched)).find("is not the public half of its secret-key"),
            std::string::npos);

  const auto bad = write_private(dir, "bad", "metadata\ncurve\n    secret-key = \"too short\"\n");
  EXPECT_NE(error_of(read_secret_key_file(bad)).find(bad + ":3: secret-key is not a CURVE key: expected 40 Z85"),
            std::string::npos)
      << error_of(read_secret_key_file(bad));
  EXPECT_NE(error_of(read_secret_key_file(dir.path() / "missing")).find("cannot read the secret key file"),
            std::string::npos);
  // A device named by mistake is not read (getline on /dev/zero would never end).
  EXPECT_EQ(error_of(read_public_keys("/dev/zero")),
            "/dev/zero: not a regular file (give a key file made by `agentctl curve-keygen DIR NAME`)");
}

TEST(CurveKeyTest, AdmittedKeysComeFromAFileOrAFolderWithoutItsSecrets) {
  TempDir dir;
  const auto a = generate_key_pair(), b = generate_key_pair(), c = generate_key_pair();
  dir.write("admitted/a.key", public_certificate_text(a, "a"));
  write_private(dir, "admitted/a.key_secret", secret_certificate_text(a, "a"));  // skipped: a secret
  dir.write("admitted/more", "# two bare keys\n" + b.public_key + "\n" + c.public_key + "\n");
  const auto keys = ok(read_public_keys(dir.path() / "admitted"));
  EXPECT_EQ(keys, (std::vector<std::string>{a.public_key, b.public_key, c.public_key}));

  dir.write("leaky/x.key", secret_certificate_text(a, "x"));
  EXPECT_NE(error_of(read_public_keys(dir.path() / "leaky")).find("x.key:8: holds a secret key"), std::string::npos)
      << error_of(read_public_keys(dir.path() / "leaky"));
  EXPECT_NE(error_of(read_public_keys(dir.path() / "nowhere")).find("does not exist"), std::string::npos);
}

TEST(CurveKeyTest, KeygenWritesAPairPyzmqCanReadAndNeverOverwrites) {
  TempDir dir;
  std::ostringstream out, err;
  ASSERT_EQ(control::run_curve_keygen((dir.path() / "keys").string(), "cluster", out, err), 0) << err.str();
  const auto secret_file = dir.path() / "keys/cluster.key_secret";
  struct stat info {};
  ASSERT_EQ(::stat(secret_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const auto pair = ok(read_secret_key_file(secret_file));
  const auto published = ok(read_public_keys(dir.path() / "keys/cluster.key"));
  EXPECT_EQ(published, std::vector<std::string>{pair.public_key});
  EXPECT_NE(out.str().find(pair.public_key), std::string::npos);

  std::ostringstream again_out, again_err;
  EXPECT_EQ(control::run_curve_keygen((dir.path() / "keys").string(), "cluster", again_out, again_err), 1);
  EXPECT_NE(again_err.str().find("exists already (keys are never overwritten"), std::string::npos);
  EXPECT_EQ(ok(read_secret_key_file(secret_file)).secret_key, pair.secret_key);
  EXPECT_EQ(control::run_curve_keygen(dir.path().string(), "../up", again_out, again_err), 2);
}

TEST(CurveKeyTest, TheZapDecisionAdmitsTheClustersKeysAndTheAuthorizedOnes) {
  TempDir dir;
  auto curve = std::make_shared<messaging::CurveSettings>();
  curve->server = generate_key_pair();
  curve->client = generate_key_pair();
  const auto admitted = generate_key_pair(), stranger = generate_key_pair();
  zmq::context_t context;
  {
    messaging::ZapAuthenticator cluster_only(context, curve, nullptr);
    EXPECT_FALSE(cluster_only.refusal(curve->server.public_key));
    EXPECT_FALSE(cluster_only.refusal(curve->client.public_key));
    EXPECT_NE(cluster_only.refusal(admitted.public_key).value_or("").find("host.curve.authorized_keys is not set"),
              std::string::npos);
  }
  curve->authorized_keys = (dir.path() / "authorized").string();
  dir.write("authorized/ops.key", public_certificate_text(admitted, "ops"));
  messaging::ZapAuthenticator zap(context, curve, nullptr);
  EXPECT_FALSE(zap.refusal(admitted.public_key));
  EXPECT_EQ(zap.refusal(stranger.public_key).value_or(""),
            "its public key is not in " + curve->authorized_keys + " (add its NAME.key there to admit it)");
  EXPECT_EQ(zap.refusal("").value_or(""), "it sent no CURVE key");
  // Read at every decision: a key file dropped in admits at once.
  dir.write("authorized/stranger.key", public_certificate_text(stranger, "stranger"));
  EXPECT_FALSE(zap.refusal(stranger.public_key));
}

}  // namespace
}  // namespace agenthost::security

namespace agenthost::config {
namespace {

TEST(CurveConfigTest, ReadsHostCurveRelativeToTheConfigAndReportsKeyProblemsAtTheKey) {
  testing::TempDir dir;
  std::ostringstream out, err;
  ASSERT_EQ(control::run_curve_keygen((dir.path() / "keys").string(), "cluster", out, err), 0) << err.str();
  ASSERT_EQ(control::run_curve_keygen((dir.path() / "keys").string(), "pc1", out, err), 0) << err.str();
  const auto file = (dir.path() / "c.yaml").string();
  auto loaded = load_config_text("host:\n"
                                 "  curve:\n"
                                 "    server_key: keys/cluster.key_secret\n"
                                 "    client_key: keys/pc1.key_secret\n"
                                 "    authorized_keys: keys/cluster.key\n",
                                 file, testing::fake_env());
  ASSERT_TRUE(loaded.ok()) << testing::formatted(loaded.diagnostics);
  ASSERT_TRUE(loaded.config.host.curve);
  const auto& curve = *loaded.config.host.curve;
  EXPECT_EQ(curve.server_key, (dir.path() / "keys/cluster.key_secret").string());
  EXPECT_TRUE(security::is_z85_key(curve.server.public_key));
  EXPECT_NE(curve.client.public_key, curve.server.public_key);

  // Without client_key the host calls with the cluster key; no curve section: plain.
  auto server_only = load_config_text("host: { curve: { server_key: keys/cluster.key_secret } }\n", file,
                                      testing::fake_env());
  ASSERT_TRUE(server_only.ok()) << testing::formatted(server_only.diagnostics);
  EXPECT_EQ(server_only.config.host.curve->client.secret_key, server_only.config.host.curve->server.secret_key);
  EXPECT_FALSE(load_config_text("host: { name: a }\n", file, testing::fake_env()).config.host.curve);

  ::chmod((dir.path() / "keys/pc1.key_secret").c_str(), 0644);
  const auto bad = testing::formatted(load_config_text("host:\n"
                                                       "  curve:\n"
                                                       "    server_key: keys/cluster.key\n"
                                                       "    client_key: keys/pc1.key_secret\n"
                                                       "    authorized_key: x\n",
                                                       file, testing::fake_env())
                                          .diagnostics);
  EXPECT_NE(bad.find(file + ":3:17: error: host.curve.server_key: " + (dir.path() / "keys/cluster.key").string() +
                     ": holds no secret key, only a public one"),
            std::string::npos)
      << bad;
  EXPECT_NE(bad.find(file + ":4:17: error: host.curve.client_key: " +
                     (dir.path() / "keys/pc1.key_secret").string() + ": the secret key file has mode 0644"),
            std::string::npos)
      << bad;
  EXPECT_NE(bad.find("did you mean 'authorized_keys'?"), std::string::npos) << bad;
  const auto missing = testing::formatted(
      load_config_text("host:\n  curve: { authorized_keys: keys }\n", file, testing::fake_env()).diagnostics);
  EXPECT_NE(missing.find(file + ":2:10: error: host.curve needs server_key"), std::string::npos) << missing;
}

}  // namespace
}  // namespace agenthost::config
