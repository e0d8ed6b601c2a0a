-- Usernames are unique per account (tenant), not across the installation: a 409 for a
-- username taken in another account told one tenant about another's users. A login names
-- its account (`domain`), or the username must be unique across accounts.
DROP INDEX "users_username_key";
CREATE UNIQUE INDEX "users_account_username_key" ON "users"("account", "username");
-- Failed logins are counted per (account, username): the account the username resolved
-- to, else the `domain` the login named, else ''.
ALTER TABLE "login_failures" ADD COLUMN "account" TEXT NOT NULL DEFAULT '';
ALTER TABLE "login_failures" DROP CONSTRAINT "login_failures_pkey";
ALTER TABLE "login_failures" ADD CONSTRAINT "login_failures_pkey" PRIMARY KEY ("account", "username");
