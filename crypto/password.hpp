// Password hashing: libsodium's argon2id (crypto_pwhash_str), a slow, salted
// hash whose string carries its own salt and cost, so a hash made with one
// cost still verifies after the default changes. Only hashes are recorded
// (user.created, user.password_changed); hashing happens outside decide().
#pragma once

#include <cstddef>
#include <string>

namespace cumulo {

// argon2id's cost. The default is libsodium's INTERACTIVE level (2 passes,
// 64 MiB), meant for a login. Measured on this machine (2-core VM,
// libsodium 1.0.18, bench/password_bench): one hash or verify costs about
// 54 ms of CPU when the machine is quiet (user + sys; the 64 MiB are mapped
// and touched afresh each time: 16,384 page faults), and 120 ms or more of
// CPU and 190-300 ms of wall time while it was busy (load average 6).
// Tests use password_cost::cheapest().
struct password_cost {
  unsigned long long ops;
  std::size_t mem;

  password_cost();  // OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE
  password_cost(unsigned long long ops_limit, std::size_t mem_limit)
      : ops(ops_limit), mem(mem_limit) {}
  // libsodium's minimum: for tests only.
  static password_cost cheapest();
};

// The "$argon2id$v=19$m=...,t=...,p=1$salt$hash" string of a fresh random
// salt. Throws std::runtime_error when argon2 can't get its memory.
std::string hash_password(const std::string& plain, const password_cost& cost = {});

// Whether `plain` is the password `hash` was made from. False for a hash
// that is malformed or not argon2; never throws.
bool verify_password(const std::string& hash, const std::string& plain);

// Whether `hash` was made with another cost than `cost` (rehash it at the
// next successful login).
bool password_needs_rehash(const std::string& hash, const password_cost& cost = {});

// libsodium's sodium_init(), once per process whatever the thread; throws
// std::runtime_error if libsodium can't start. Every function here (and in
// engine/token.hpp) calls it.
void ensure_sodium();

}  // namespace cumulo
