-- CreateTable
CREATE TABLE "ScoreRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "runDate" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "since" DATETIME,
    "cursor" TEXT,
    "context" TEXT,
    "scored" INTEGER NOT NULL DEFAULT 0,
    "changed" INTEGER NOT NULL DEFAULT 0,
    "alertsOpened" INTEGER NOT NULL DEFAULT 0,
    "alertsResolved" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "JobLease" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "owner" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Notification" (
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

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_CustomerScore" (
    "shop" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "score" INTEGER NOT NULL,
    "probability" REAL NOT NULL,
    "confidence" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "tier" TEXT NOT NULL,
    "rfmGroup" TEXT NOT NULL,
    "lifecycle" TEXT NOT NULL,
    "reasons" TEXT NOT NULL DEFAULT '[]',
    "modelVersion" TEXT NOT NULL,
    "scoredAt" DATETIME NOT NULL,
    "changedAt" DATETIME NOT NULL,
    "metafieldsSyncedAt" DATETIME,

    PRIMARY KEY ("shop", "customerShopifyId")
);
INSERT INTO "new_CustomerScore" ("confidence", "customerShopifyId", "level", "lifecycle", "modelVersion", "probability", "reasons", "rfmGroup", "score", "scoredAt", "shop", "tier") SELECT "confidence", "customerShopifyId", "level", "lifecycle", "modelVersion", "probability", "reasons", "rfmGroup", "score", "scoredAt", "shop", "tier" FROM "CustomerScore";
DROP TABLE "CustomerScore";
ALTER TABLE "new_CustomerScore" RENAME TO "CustomerScore";
CREATE INDEX "CustomerScore_shop_level_score_idx" ON "CustomerScore"("shop", "level", "score");
CREATE TABLE "new_StorefrontEvent" (
    "shop" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "visitorId" TEXT NOT NULL,
    "customerShopifyId" TEXT,
    "type" TEXT NOT NULL,
    "occurredAt" DATETIME NOT NULL,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "path" TEXT,
    "productId" TEXT,
    "variantId" TEXT,
    "quantity" INTEGER,
    "searchQuery" TEXT,
    "dwellMs" INTEGER,

    PRIMARY KEY ("shop", "eventId")
);
INSERT INTO "new_StorefrontEvent" ("customerShopifyId", "dwellMs", "eventId", "occurredAt", "path", "productId", "quantity", "receivedAt", "searchQuery", "shop", "type", "variantId", "visitorId") SELECT "customerShopifyId", "dwellMs", "eventId", "occurredAt", "path", "productId", "quantity", "receivedAt", "searchQuery", "shop", "type", "variantId", "visitorId" FROM "StorefrontEvent";
DROP TABLE "StorefrontEvent";
ALTER TABLE "new_StorefrontEvent" RENAME TO "StorefrontEvent";
CREATE INDEX "StorefrontEvent_shop_occurredAt_idx" ON "StorefrontEvent"("shop", "occurredAt");
CREATE INDEX "StorefrontEvent_shop_customerShopifyId_occurredAt_idx" ON "StorefrontEvent"("shop", "customerShopifyId", "occurredAt");
CREATE INDEX "StorefrontEvent_shop_visitorId_occurredAt_idx" ON "StorefrontEvent"("shop", "visitorId", "occurredAt");
CREATE TABLE "new_WebhookDelivery" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "eventId" TEXT,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "payload" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" DATETIME
);
INSERT INTO "new_WebhookDelivery" ("eventId", "id", "reason", "receivedAt", "shop", "status", "topic", "webhookId") SELECT "eventId", "id", "reason", "receivedAt", "shop", "status", "topic", "webhookId" FROM "WebhookDelivery";
DROP TABLE "WebhookDelivery";
ALTER TABLE "new_WebhookDelivery" RENAME TO "WebhookDelivery";
CREATE INDEX "WebhookDelivery_shop_receivedAt_idx" ON "WebhookDelivery"("shop", "receivedAt");
CREATE INDEX "WebhookDelivery_status_receivedAt_idx" ON "WebhookDelivery"("status", "receivedAt");
CREATE UNIQUE INDEX "WebhookDelivery_shop_webhookId_key" ON "WebhookDelivery"("shop", "webhookId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "ScoreRun_shop_status_startedAt_idx" ON "ScoreRun"("shop", "status", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ScoreRun_shop_key_key" ON "ScoreRun"("shop", "key");

-- CreateIndex
CREATE INDEX "Notification_shop_createdAt_idx" ON "Notification"("shop", "createdAt");

-- CreateIndex
CREATE INDEX "Notification_emailStatus_nextAttemptAt_idx" ON "Notification"("emailStatus", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "Notification_shop_dedupeKey_key" ON "Notification"("shop", "dedupeKey");

-- CreateIndex
CREATE INDEX "Customer_shop_updatedAt_shopifyId_idx" ON "Customer"("shop", "updatedAt", "shopifyId");
