-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "isOnline" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "expires" TIMESTAMP(3),
    "accessToken" TEXT NOT NULL,
    "userId" BIGINT,
    "firstName" TEXT,
    "lastName" TEXT,
    "email" TEXT,
    "accountOwner" BOOLEAN NOT NULL DEFAULT false,
    "locale" TEXT,
    "collaborator" BOOLEAN DEFAULT false,
    "emailVerified" BOOLEAN DEFAULT false,
    "refreshToken" TEXT,
    "refreshTokenExpires" TIMESTAMP(3),

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Shop" (
    "domain" TEXT NOT NULL,
    "name" TEXT,
    "currency" TEXT,
    "timezone" TEXT,
    "locale" TEXT,
    "installedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalledAt" TIMESTAMP(3),
    "settings" TEXT NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Shop_pkey" PRIMARY KEY ("domain")
);

-- CreateTable
CREATE TABLE "Customer" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "shopifyId" TEXT NOT NULL,
    "email" TEXT,
    "firstName" TEXT,
    "lastName" TEXT,
    "country" TEXT,
    "locale" TEXT,
    "state" TEXT,
    "tags" TEXT,
    "marketingConsent" BOOLEAN NOT NULL DEFAULT false,
    "shopifyCreatedAt" TIMESTAMP(3),
    "shopifyUpdatedAt" TIMESTAMP(3),
    "deletedAt" TIMESTAMP(3),
    "redactedAt" TIMESTAMP(3),
    "ordersCount" INTEGER NOT NULL DEFAULT 0,
    "purchaseDays" INTEGER NOT NULL DEFAULT 0,
    "totalSpent" DECIMAL(65,30) NOT NULL DEFAULT 0,
    "firstOrderAt" TIMESTAMP(3),
    "lastOrderAt" TIMESTAMP(3),
    "recentIntervals" TEXT NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Order" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "shopifyId" TEXT NOT NULL,
    "name" TEXT,
    "customerShopifyId" TEXT,
    "processedAt" TIMESTAMP(3) NOT NULL,
    "shopifyUpdatedAt" TIMESTAMP(3) NOT NULL,
    "cancelledAt" TIMESTAMP(3),
    "financialStatus" TEXT,
    "totalShop" DECIMAL(65,30) NOT NULL,
    "currencyShop" TEXT NOT NULL,
    "totalPresentment" DECIMAL(65,30) NOT NULL,
    "currencyPresentment" TEXT NOT NULL,
    "refundedShop" DECIMAL(65,30) NOT NULL DEFAULT 0,
    "country" TEXT,
    "lineItemsCount" INTEGER NOT NULL DEFAULT 0,
    "discountCodes" TEXT NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StorefrontEvent" (
    "id" BIGSERIAL NOT NULL,
    "shop" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "visitorId" TEXT NOT NULL,
    "customerShopifyId" TEXT,
    "type" TEXT NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "path" TEXT,
    "productId" TEXT,
    "variantId" TEXT,
    "quantity" INTEGER,
    "searchQuery" TEXT,
    "dwellMs" INTEGER,

    CONSTRAINT "StorefrontEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomerDailyActivity" (
    "shop" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "visits" INTEGER NOT NULL DEFAULT 0,
    "sessions" INTEGER NOT NULL DEFAULT 0,
    "dwellSeconds" INTEGER NOT NULL DEFAULT 0,
    "productViews" INTEGER NOT NULL DEFAULT 0,
    "distinctProducts" INTEGER NOT NULL DEFAULT 0,
    "searches" INTEGER NOT NULL DEFAULT 0,
    "cartAdds" INTEGER NOT NULL DEFAULT 0,
    "checkoutsStarted" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "CustomerDailyActivity_pkey" PRIMARY KEY ("shop","customerShopifyId","day")
);

-- CreateTable
CREATE TABLE "CustomerScore" (
    "shop" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "score" INTEGER NOT NULL,
    "probability" DOUBLE PRECISION NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,
    "level" TEXT NOT NULL,
    "tier" TEXT NOT NULL,
    "rfmGroup" TEXT NOT NULL,
    "lifecycle" TEXT NOT NULL,
    "reasons" TEXT NOT NULL DEFAULT '[]',
    "modelVersion" TEXT NOT NULL,
    "scoredAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CustomerScore_pkey" PRIMARY KEY ("shop","customerShopifyId")
);

-- CreateTable
CREATE TABLE "CustomerScoreSnapshot" (
    "shop" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "score" INTEGER NOT NULL,
    "level" TEXT NOT NULL,
    "tier" TEXT NOT NULL,

    CONSTRAINT "CustomerScoreSnapshot_pkey" PRIMARY KEY ("shop","customerShopifyId","day")
);

-- CreateTable
CREATE TABLE "Rule" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Rule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Alert" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "cause" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'open',
    "reasons" TEXT NOT NULL DEFAULT '[]',
    "behaviourPath" TEXT NOT NULL DEFAULT '[]',
    "notifiedAt" TIMESTAMP(3),
    "acknowledgedAt" TIMESTAMP(3),
    "resolvedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WinBackAction" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "customerShopifyId" TEXT NOT NULL,
    "campaignKey" TEXT NOT NULL,
    "holdout" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "discountCode" TEXT,
    "discountGid" TEXT,
    "klaviyoUniqueId" TEXT,
    "sentAt" TIMESTAMP(3),
    "returnedAt" TIMESTAMP(3),
    "codeUsedAt" TIMESTAMP(3),
    "revenueShop" DECIMAL(65,30) NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "WinBackAction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "eventId" TEXT,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Session_shop_idx" ON "Session"("shop");

-- CreateIndex
CREATE INDEX "Customer_shop_lastOrderAt_idx" ON "Customer"("shop", "lastOrderAt");

-- CreateIndex
CREATE INDEX "Customer_shop_country_idx" ON "Customer"("shop", "country");

-- CreateIndex
CREATE UNIQUE INDEX "Customer_shop_shopifyId_key" ON "Customer"("shop", "shopifyId");

-- CreateIndex
CREATE INDEX "Order_shop_customerShopifyId_processedAt_idx" ON "Order"("shop", "customerShopifyId", "processedAt");

-- CreateIndex
CREATE INDEX "Order_shop_processedAt_idx" ON "Order"("shop", "processedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Order_shop_shopifyId_key" ON "Order"("shop", "shopifyId");

-- CreateIndex
CREATE INDEX "StorefrontEvent_shop_occurredAt_idx" ON "StorefrontEvent"("shop", "occurredAt");

-- CreateIndex
CREATE INDEX "StorefrontEvent_shop_customerShopifyId_occurredAt_idx" ON "StorefrontEvent"("shop", "customerShopifyId", "occurredAt");

-- CreateIndex
CREATE INDEX "StorefrontEvent_shop_visitorId_occurredAt_idx" ON "StorefrontEvent"("shop", "visitorId", "occurredAt");

-- CreateIndex
CREATE UNIQUE INDEX "StorefrontEvent_shop_eventId_key" ON "StorefrontEvent"("shop", "eventId");

-- CreateIndex
CREATE INDEX "CustomerDailyActivity_shop_day_idx" ON "CustomerDailyActivity"("shop", "day");

-- CreateIndex
CREATE INDEX "CustomerScore_shop_level_score_idx" ON "CustomerScore"("shop", "level", "score");

-- CreateIndex
CREATE INDEX "CustomerScore_shop_tier_idx" ON "CustomerScore"("shop", "tier");

-- CreateIndex
CREATE INDEX "CustomerScoreSnapshot_shop_day_idx" ON "CustomerScoreSnapshot"("shop", "day");

-- CreateIndex
CREATE INDEX "Rule_shop_enabled_idx" ON "Rule"("shop", "enabled");

-- CreateIndex
CREATE INDEX "Alert_shop_state_level_createdAt_idx" ON "Alert"("shop", "state", "level", "createdAt");

-- CreateIndex
CREATE INDEX "Alert_shop_customerShopifyId_cause_createdAt_idx" ON "Alert"("shop", "customerShopifyId", "cause", "createdAt");

-- CreateIndex
CREATE INDEX "WinBackAction_shop_campaignKey_idx" ON "WinBackAction"("shop", "campaignKey");

-- CreateIndex
CREATE UNIQUE INDEX "WinBackAction_shop_customerShopifyId_campaignKey_key" ON "WinBackAction"("shop", "customerShopifyId", "campaignKey");

-- CreateIndex
CREATE INDEX "WebhookDelivery_shop_receivedAt_idx" ON "WebhookDelivery"("shop", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookDelivery_shop_webhookId_key" ON "WebhookDelivery"("shop", "webhookId");
