-- AlterTable
ALTER TABLE "Notification" ADD COLUMN     "alertCount" INTEGER NOT NULL DEFAULT 0;

-- Notifications made so far list every alert they cover.
UPDATE "Notification" SET "alertCount" = jsonb_array_length("alertIds"::jsonb);
