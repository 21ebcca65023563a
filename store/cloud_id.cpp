#include "store/cloud_id.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

#include "store/ids.hpp"

namespace cumulo {

std::string cloud_id(const std::filesystem::path& data_dir) {
  const auto path = data_dir / "cloud-id";
  std::string id;
  if (std::ifstream in(path); in) in >> id;
  const bool valid = id.size() == 8 && std::all_of(id.begin(), id.end(), [](char c) {
                       return std::isxdigit(static_cast<unsigned char>(c)) &&
                              !std::isupper(static_cast<unsigned char>(c));
                     });
  if (valid) return id;
  // A random UUID's digits: a name that says nothing of when it was made.
  const auto uuid = new_random_uuid();
  id.clear();
  for (char c : uuid)
    if (c != '-' && id.size() < 8) id += c;
  std::ofstream out(path, std::ios::trunc);
  out << id << "\n";
  if (!out) throw std::runtime_error("cannot write " + path.string());
  return id;
}

}  // namespace cumulo
