import nodemailer from "nodemailer";

import { env } from "../../lib/env.server";

// The one client for outgoing e-mail: SMTP through nodemailer. It sends one message and turns any
// failure into an EmailSendError that says, without personal data, what went wrong and whether
// trying again later can help. Retries and backoff belong to the outbox (services/notifications).

export interface OutgoingEmail {
  /** The Message-ID header, e.g. "<id@churn-radar>": fixed per notification, so a resend is recognisable. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
}

export interface EmailTransport {
  /** Resolves with the Message-ID the server accepted; rejects with an EmailSendError. */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}

export class EmailSendError extends Error {
  override readonly name = "EmailSendError";
  constructor(
    /** Short and free of addresses or content, e.g. "SMTP 451 EENVELOPE" or "ECONNREFUSED". */
    readonly summary: string,
    /** The server refused this message for good (5xx on the envelope or content). */
    readonly permanent: boolean,
    /** The server could not be reached or dropped the connection: later messages will fail too. */
    readonly unreachable: boolean,
  ) {
    super(`e-mail not sent: ${summary}`);
  }
}

// Well below the outbox's claim lease, so a send never outlives its claim.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** A transport for smtp://user:pass@host:587 or smtps://...; settings in the URL's query win. */
export function createSmtpTransport(url: string): EmailTransport {
  const mailer = nodemailer.createTransport({ url, ...TIMEOUTS });
  return {
    async send(email) {
      try {
        const info = await mailer.sendMail({
          messageId: email.messageId,
          from: email.from,
          to: email.to,
          subject: email.subject,
          text: email.text,
          html: email.html ?? undefined,
          // RFC 3834: an automatic message, so vacation responders stay quiet.
          headers: { "Auto-Submitted": "auto-generated" },
        });
        return { messageId: info.messageId || email.messageId };
      } catch (error) {
        throw sendError(error);
      }
    },
  };
}

let configured: { url: string; transport: EmailTransport } | undefined;

/** The transport for SMTP_URL, or null when it is unset (e-mails then wait in the outbox). */
export function configuredEmailTransport(): EmailTransport | null {
  const url = env().SMTP_URL;
  if (!url) return null;
  if (configured?.url !== url) configured = { url, transport: createSmtpTransport(url) };
  return configured.transport;
}

const UNREACHABLE_CODES = new Set([
  "ECONNECTION",
  "ETIMEDOUT",
  "ESOCKET",
  "EDNS",
  "ETLS",
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EPROXY",
]);

/** Error codes only: nodemailer's messages can quote the server's reply, which may name the recipient. */
export function sendError(error: unknown): EmailSendError {
  if (error instanceof EmailSendError) return error;
  const details = error !== null && typeof error === "object" ? (error as Record<string, unknown>) : {};
  const code = errorCode(details.code) ?? "UNKNOWN";
  // A refused connection arrives as ESOCKET with the system's ECONNREFUSED kept beside it.
  const cause = errorCode(details.originalCode);
  const responseCode = typeof details.responseCode === "number" ? details.responseCode : null;
  const summary = [responseCode ? `SMTP ${responseCode}` : null, code, cause].filter(Boolean).join(" ");
  const permanent = responseCode !== null && responseCode >= 500 && (code === "EENVELOPE" || code === "EMESSAGE");
  return new EmailSendError(summary, permanent, UNREACHABLE_CODES.has(code));
}

function errorCode(value: unknown): string | null {
  return typeof value === "string" && /^[A-Z0-9_]{2,32}$/.test(value) ? value : null;
}
