import type { AddressInfo } from "node:net";

import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";

// A real SMTP server for tests, on an ephemeral port of 127.0.0.1: it keeps every message it
// accepts (decoded enough to assert on subject, recipients and bodies), can refuse mail with an
// SMTP reply code, and can be stopped and started again on the same port.

export interface ReceivedEmail {
  envelopeFrom: string;
  envelopeTo: string[];
  /** Header values by lower-case name, encoded words decoded. */
  headers: Map<string, string>;
  subject: string;
  text: string;
  html: string;
}

export interface TestSmtpServer {
  readonly port: number;
  readonly url: string;
  readonly received: ReceivedEmail[];
  /** Answer MAIL FROM with this reply code (e.g. 451 or 550) until called with null. */
  refuse(code: number | null): void;
  /** Closes the port: connections are refused until start(). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedEmail[] = [];
  let refusal: number | null = null;
  let server: SMTPServer | null = null;
  let port = 0;

  const listen = async () => {
    const instance = new SMTPServer({
      logger: false,
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      onMailFrom(_address, _session, callback) {
        if (refusal === null) return callback();
        callback(Object.assign(new Error("Mailbox temporarily unavailable"), { responseCode: refusal }));
      },
      onData(stream, session, callback) {
        collect(stream, session)
          .then((email) => {
            received.push(email);
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve, reject) => {
      const net = instance.listen(port, "127.0.0.1", () => resolve());
      net.once("error", reject);
    });
    port = (instance.server.address() as AddressInfo).port;
    server = instance;
  };

  await listen();
  return {
    get port() {
      return port;
    },
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    received,
    refuse(code) {
      refusal = code;
    },
    async stop() {
      const instance = server;
      server = null;
      if (instance) await new Promise<void>((resolve) => instance.close(() => resolve()));
    },
    async start() {
      if (!server) await listen();
    },
  };
}

async function collect(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<ReceivedEmail> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const { headers, parts } = parseMime(Buffer.concat(chunks).toString("latin1"));
  const mailFrom = session.envelope.mailFrom;
  return {
    envelopeFrom: mailFrom ? mailFrom.address : "",
    envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
    headers,
    subject: headers.get("subject") ?? "",
    text: parts.find((part) => part.type === "text/plain")?.body ?? "",
    html: parts.find((part) => part.type === "text/html")?.body ?? "",
  };
}

// Just enough MIME for what nodemailer writes: one level of multipart, base64 or
// quoted-printable bodies, RFC 2047 encoded words in headers. Raw bytes travel as latin1.

interface MimePart {
  type: string;
  body: string;
}

function parseMime(raw: string): { headers: Map<string, string>; parts: MimePart[] } {
  const { headers, body } = splitEntity(raw);
  const contentType = headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return { headers, parts: [decodePart(headers, body)] };
  const parts = body
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((section) => splitEntity(section.replace(/^\r?\n/, "")))
    .map((part) => decodePart(part.headers, part.body));
  return { headers, parts };
}

function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.search(/\r?\n\r?\n/);
  const head = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? "" : raw.slice(end).replace(/^\r?\n\r?\n/, "");
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  return { headers, body };
}

function decodePart(headers: Map<string, string>, body: string): MimePart {
  const type = (headers.get("content-type") ?? "text/plain").split(";")[0].trim().toLowerCase();
  const encoding = (headers.get("content-transfer-encoding") ?? "").toLowerCase();
  const bytes =
    encoding === "base64"
      ? Buffer.from(body.replace(/\s+/g, ""), "base64")
      : encoding === "quoted-printable"
        ? quotedPrintableBytes(body.replace(/=\r?\n/g, ""))
        : Buffer.from(body, "latin1");
  return { type, body: bytes.toString("utf8").replace(/\r\n/g, "\n").trimEnd() };
}

function quotedPrintableBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === "=" ? /^[0-9A-F]{2}/i.exec(text.slice(i + 1, i + 3)) : null;
    if (hex) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function decodeWords(value: string): string {
  const bytesAsText = value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?[^?]+\?([BbQq])\?([^?]*)\?=/g, (_match, kind: string, text: string) =>
      (kind.toUpperCase() === "B"
        ? Buffer.from(text, "base64")
        : quotedPrintableBytes(text.replace(/_/g, " "))
      ).toString("latin1"),
    );
  return Buffer.from(bytesAsText, "latin1").toString("utf8");
}
