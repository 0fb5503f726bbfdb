#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""smtp-sink.py DIR PORT — a real SMTP server (Debian's python3-aiosmtpd) on 127.0.0.1:PORT
for the delivery tests.

Every mail accepted is kept as DIR/mail-N.json: the envelope ("mail_from", "rcpt_tos"),
the raw text ("raw") and what Python's own e-mail parser reads from it ("from", "to",
"subject", "body" (the plain text), "html" (the HTML part, or null), "message_id", "date",
"content_type", "charset", "list_unsubscribe", "list_unsubscribe_post") — so the test checks
the mail as a mail reader decodes it. DIR/ready appears once it listens.

Recipients choose a failure: "reject…@" is refused for good (550), "later…@" is
refused for now (451) the first time and accepted after, "slow…@" waits 5 seconds in
DATA before accepting (a server killed meanwhile has not finished sending).
"""
import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.smtp import SMTP

DIR = sys.argv[1]
PORT = int(sys.argv[2])
seen_later = set()
count = 0


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: no such mailbox" % address
        if local.startswith("later") and address not in seen_later:
            seen_later.add(address)
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        global count
        if any(r.split("@")[0].lower().startswith("slow") for r in envelope.rcpt_tos):
            await asyncio.sleep(5)
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "raw": raw.decode("utf-8", "replace"),
            "from": str(message["from"]),
            "to": str(message["to"]),
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "date": str(message["date"]),
            "content_type": message.get_content_type(),
            "charset": message.get_content_charset(),
            "body": body.get_content() if body is not None else None,
            "html": html.get_content() if html is not None else None,
            "list_unsubscribe": str(message["list-unsubscribe"]),
            "list_unsubscribe_post": str(message["list-unsubscribe-post"]),
        }
        count += 1
        path = os.path.join(DIR, "mail-%d.json" % count)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Message accepted for delivery"


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Handler(), enable_SMTPUTF8=True),
                                      "127.0.0.1", PORT)
    with open(os.path.join(DIR, "ready"), "w") as f:
        f.write("%d\n" % PORT)
    async with server:
        await server.serve_forever()


asyncio.run(main())
