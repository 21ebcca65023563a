#include "cli/credentials_files.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "crypto/password.hpp"

namespace cumulo::cli {
namespace {

namespace fs = std::filesystem;

// A shell single-quoted word: ' becomes '\''.
std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char ch : text) {
    if (ch == '\'')
      out += "'\\''";
    else
      out += ch;
  }
  return out + "'";
}

std::string shell_unquote(const std::string& word) {
  std::string out;
  bool quoted = false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char ch = word[i];
    if (ch == '\'')
      quoted = !quoted;
    else if (!quoted && ch == '\\' && i + 1 < word.size())
      out += word[++i];
    else
      out += ch;
  }
  return out;
}

// Writes `text` to `path` with mode 0600, through a temporary file renamed
// over it so a reader never sees half a file.
void write_private_file(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0;
  std::size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      ok = false;
    else
      done += static_cast<std::size_t>(n);
  }
  const int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(ok ? errno : saved);
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + path.string() + ": " + reason);
  }
}

}  // namespace

std::string generate_admin_password() {
  ensure_sodium();
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (int i = 0; i < 16; ++i) out += alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
  return out;
}

fs::path keystonerc_path(const fs::path& data_dir) {
  return data_dir / "keystonerc_admin";
}

credentials_paths write_credentials_files(const fs::path& data_dir, const std::string& auth_url,
                                          const std::string& password) {
  credentials_paths paths{keystonerc_path(data_dir), data_dir / "clouds.yaml"};
  std::string rc;
  rc += "unset OS_SERVICE_TOKEN\n";
  rc += "    export OS_USERNAME=admin\n";
  rc += "    export OS_PASSWORD=" + shell_quote(password) + "\n";
  rc += "    export OS_REGION_NAME=RegionOne\n";
  rc += "    export OS_AUTH_URL=" + auth_url + "\n";
  rc += "    export PS1='[\\u@\\h \\W(keystone_admin)]\\$ '\n";
  rc += "\n";
  rc += "export OS_PROJECT_NAME=admin\n";
  rc += "export OS_USER_DOMAIN_NAME=Default\n";
  rc += "export OS_PROJECT_DOMAIN_NAME=Default\n";
  rc += "export OS_IDENTITY_API_VERSION=3\n";
  write_private_file(paths.keystonerc, rc);

  YAML::Emitter y;
  y << YAML::BeginMap << YAML::Key << "clouds" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "cumulo" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "auth" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "auth_url" << YAML::Value << auth_url;
  y << YAML::Key << "username" << YAML::Value << "admin";
  y << YAML::Key << "password" << YAML::Value << YAML::SingleQuoted << password;
  y << YAML::Key << "project_name" << YAML::Value << "admin";
  y << YAML::Key << "user_domain_name" << YAML::Value << "Default";
  y << YAML::Key << "project_domain_name" << YAML::Value << "Default";
  y << YAML::EndMap;
  y << YAML::Key << "region_name" << YAML::Value << "RegionOne";
  y << YAML::Key << "identity_api_version" << YAML::Value << 3;
  y << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  write_private_file(paths.clouds_yaml, std::string(y.c_str()) + "\n");
  return paths;
}

std::optional<std::string> read_keystonerc_password(const fs::path& keystonerc) {
  std::ifstream in(keystonerc);
  if (!in) return std::nullopt;
  const std::string key = "export OS_PASSWORD=";
  std::string line;
  while (std::getline(in, line)) {
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line.compare(start, key.size(), key) != 0) continue;
    return shell_unquote(line.substr(start + key.size()));
  }
  return std::nullopt;
}

}  // namespace cumulo::cli
