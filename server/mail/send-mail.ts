import nodemailer, { type Transporter } from "nodemailer";
import { env, MAIL_FROM_DEFAULT } from "../env";

/**
 * Outgoing mail over SMTP_URL (smtp:// upgrades with STARTTLS when the server offers it,
 * smtps:// is TLS from the start). Mail is "configured" when SMTP_URL is set; features that
 * need it check `isMailConfigured()` and say so plainly when it is not.
 */
let transport: Transporter | undefined;
let transportUrl: string | undefined;

export function isMailConfigured(): boolean {
  return Boolean(env().SMTP_URL);
}

function getTransport(): Transporter {
  const url = env().SMTP_URL;
  if (!url) throw new Error("Mail is not configured (SMTP_URL is not set).");
  if (!transport || transportUrl !== url) {
    transport = nodemailer.createTransport(url);
    transportUrl = url;
  }
  return transport;
}

export async function sendMail(message: { to: string; subject: string; text: string }): Promise<void> {
  await getTransport().sendMail({
    from: env().MAIL_FROM ?? MAIL_FROM_DEFAULT,
    to: message.to,
    subject: message.subject,
    text: message.text,
  });
}
