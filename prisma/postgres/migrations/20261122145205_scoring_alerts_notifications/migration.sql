-- DropIndex
DROP INDEX "CustomerScore_shop_tier_idx";

-- DropIndex
DROP INDEX "StorefrontEvent_shop_eventId_key";

-- AlterTable
ALTER TABLE "CustomerScore" ADD COLUMN     "changedAt" TIMESTAMP(3) NOT NULL,
ADD COLUMN     "metafieldsSyncedAt" TIMESTAMP(3),
ALTER COLUMN "confidence" SET DATA TYPE TEXT;

-- AlterTable
ALTER TABLE "StorefrontEvent" DROP CONSTRAINT "StorefrontEvent_pkey",
DROP COLUMN "id",
ADD CONSTRAINT "StorefrontEvent_pkey" PRIMARY KEY ("shop", "eventId");

-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "payload" TEXT,
ADD COLUMN     "processedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "ScoreRun" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "runDate" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "since" TIMESTAMP(3),
    "cursor" TEXT,
    "context" TEXT,
    "scored" INTEGER NOT NULL DEFAULT 0,
    "changed" INTEGER NOT NULL DEFAULT 0,
    "alertsOpened" INTEGER NOT NULL DEFAULT 0,
    "alertsResolved" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ScoreRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobLease" (
    "name" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "JobLease_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" TEXT NOT NULL,
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
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedUntil" TIMESTAMP(3),
    "lastError" TEXT,
    "messageId" TEXT,
    "sentAt" TIMESTAMP(3),
    "readAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

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

-- CreateIndex
CREATE INDEX "WebhookDelivery_status_receivedAt_idx" ON "WebhookDelivery"("status", "receivedAt");
