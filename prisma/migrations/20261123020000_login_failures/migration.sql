-- Failed password logins per username, shared by every instance: after too many in a row
-- the username is locked for a while (brute-force protection).
CREATE TABLE "login_failures" (
  "username" TEXT NOT NULL,
  "failures" INTEGER NOT NULL DEFAULT 0,
  "locked_until" TIMESTAMPTZ(6),
  "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "login_failures_pkey" PRIMARY KEY ("username")
);
