-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Notification" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "level" TEXT,
    "locale" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "html" TEXT,
    "alertIds" TEXT NOT NULL DEFAULT '[]',
    "alertCount" INTEGER NOT NULL DEFAULT 0,
    "recipient" TEXT,
    "emailStatus" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedUntil" DATETIME,
    "lastError" TEXT,
    "messageId" TEXT,
    "sentAt" DATETIME,
    "readAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_Notification" ("alertIds", "attempts", "body", "claimedUntil", "createdAt", "dedupeKey", "emailStatus", "html", "id", "kind", "lastError", "level", "locale", "messageId", "nextAttemptAt", "readAt", "recipient", "sentAt", "shop", "subject") SELECT "alertIds", "attempts", "body", "claimedUntil", "createdAt", "dedupeKey", "emailStatus", "html", "id", "kind", "lastError", "level", "locale", "messageId", "nextAttemptAt", "readAt", "recipient", "sentAt", "shop", "subject" FROM "Notification";
DROP TABLE "Notification";
ALTER TABLE "new_Notification" RENAME TO "Notification";
CREATE INDEX "Notification_shop_createdAt_idx" ON "Notification"("shop", "createdAt");
CREATE INDEX "Notification_emailStatus_nextAttemptAt_idx" ON "Notification"("emailStatus", "nextAttemptAt");
CREATE UNIQUE INDEX "Notification_shop_dedupeKey_key" ON "Notification"("shop", "dedupeKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- Notifications made so far list every alert they cover.
UPDATE "Notification" SET "alertCount" = json_array_length("alertIds");
