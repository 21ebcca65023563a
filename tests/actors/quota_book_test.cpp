// The compute door's quota book (actors/compute_quota.hpp): what it keeps
// of deleted instances, and for how long.
#include <gtest/gtest.h>

#include "actors/compute_quota.hpp"

namespace cumulo {
namespace {

const compute_usage one{1, 1, 512};

// Issue 22, item 7: the book remembered every deleted instance for ever
// (a string per server deleted, in a cloud that runs for months).
TEST(QuotaBook, RemembersOnlyDeletedInstancesWhoseLaunchMayStillAnswer) {
  quota_book book;
  const compute_quota_set limits;
  // Counted, then deleted: nothing to remember.
  auto r1 = book.reserve("p", one, limits, 1000);
  ASSERT_TRUE(r1);
  ASSERT_TRUE(book.commit(r1.value(), "vm1"));
  EXPECT_EQ(book.usage_of("p").instances, 1);
  book.release_instance("vm1", 500);
  EXPECT_EQ(book.usage_of("p").instances, 0);
  EXPECT_EQ(book.remembered(), 0u);

  // Deleted before its launch answered: the late commit does not count it,
  // and is the last the book hears of it.
  auto r2 = book.reserve("p", one, limits, 1000);
  ASSERT_TRUE(r2);
  book.release_instance("vm2", 500);
  EXPECT_EQ(book.remembered(), 1u);
  EXPECT_TRUE(book.commit(r2.value(), "vm2"));
  EXPECT_EQ(book.usage_of("p").instances, 0);
  EXPECT_EQ(book.remembered(), 0u);

  // Deleted, and its launch never answers: forgotten when its time is up.
  book.release_instance("vm3", 500);
  book.sweep(499);
  EXPECT_EQ(book.remembered(), 1u);
  book.sweep(500);
  EXPECT_EQ(book.remembered(), 0u);
  // A late count after that would count it: only possible past the expiry.
  book.count_instance("vm4", "p", one);
  book.release_instance("vm4", 500);
  EXPECT_EQ(book.remembered(), 0u);
  EXPECT_EQ(book.usage_of("p").instances, 0);
}

}  // namespace
}  // namespace cumulo
