#include "crypto/password.hpp"

#include <sodium.h>

#include <stdexcept>

namespace cumulo {

void ensure_sodium() {
  // A function-local static is initialised once, thread-safely.
  static const bool ready = [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    return true;
  }();
  (void)ready;
}

password_cost::password_cost()
    : ops(crypto_pwhash_OPSLIMIT_INTERACTIVE), mem(crypto_pwhash_MEMLIMIT_INTERACTIVE) {}

password_cost password_cost::cheapest() {
  return password_cost(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
}

std::string hash_password(const std::string& plain, const password_cost& cost) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, plain.data(), plain.size(), cost.ops, cost.mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("argon2id could not hash the password (out of memory?)");
  return std::string(out);
}

bool verify_password(const std::string& hash, const std::string& plain) {
  ensure_sodium();
  // crypto_pwhash_str_verify reads a NUL-terminated string of at most
  // STRBYTES - 1 characters.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES || hash.find('\0') != std::string::npos)
    return false;
  return crypto_pwhash_str_verify(hash.c_str(), plain.data(), plain.size()) == 0;
}

bool password_needs_rehash(const std::string& hash, const password_cost& cost) {
  ensure_sodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES || hash.find('\0') != std::string::npos)
    return true;
  return crypto_pwhash_str_needs_rehash(hash.c_str(), cost.ops, cost.mem) != 0;
}

}  // namespace cumulo
