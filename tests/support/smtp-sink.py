#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""smtp-sink.py DIR PORT [--tls CERT KEY] [--auth USER PASSWORD] — a real SMTP server
(Debian's python3-aiosmtpd) on 127.0.0.1:PORT for the delivery tests.

With --tls it offers STARTTLS with that certificate and takes no mail before it; with
--auth it takes mail only from a client signed in (AUTH PLAIN or LOGIN, after STARTTLS)
as USER with PASSWORD, and refuses others with 535.

Every mail accepted is kept as DIR/mail-N.json: the envelope ("mail_from", "rcpt_tos"),
the raw text ("raw") and what Python's own e-mail parser reads from it ("from", "to",
"subject", "body" (the plain text), "html" (the HTML part, or null), "message_id", "date",
"content_type", "charset", "list_unsubscribe", "list_unsubscribe_post", "attachments": the
attached files, [{"filename" (decoded), "content_type", "disposition", "base64" (the bytes)}])
— so the test checks the mail as a mail reader decodes it. DIR/ready appears once it listens.

Recipients choose a failure: "reject…@" is refused for good (550), "later…@" is
refused for now (451) the first time and accepted after, "slow…@" waits 5 seconds in
DATA before accepting (a server killed meanwhile has not finished sending).
"""
import asyncio
import base64
import email
import email.policy
import json
import os
import sys

import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

DIR = sys.argv[1]
PORT = int(sys.argv[2])
TLS = None
AUTH = None
_args = sys.argv[3:]
while _args:
    if _args[0] == "--tls":
        TLS = (_args[1], _args[2])
        _args = _args[3:]
    elif _args[0] == "--auth":
        AUTH = (_args[1].encode(), _args[2].encode())
        _args = _args[3:]
    else:
        sys.exit("smtp-sink.py: unknown argument %s" % _args[0])
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
            "attachments": [{
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "disposition": part.get_content_disposition(),
                "base64": base64.b64encode(part.get_payload(decode=True)).decode(),
            } for part in message.iter_attachments()],
            "tls": session.ssl is not None,
            "auth_user": session.auth_data.decode()
            if isinstance(session.auth_data, bytes) else None,
        }
        count += 1
        path = os.path.join(DIR, "mail-%d.json" % count)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Message accepted for delivery"


def authenticate(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == AUTH:
        return AuthResult(success=True, auth_data=auth_data.login)
    return AuthResult(success=False, handled=False)


def make_smtp():
    options = {"enable_SMTPUTF8": True}
    if TLS is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*TLS)
        options.update(tls_context=context, require_starttls=True)
    if AUTH is not None:
        options.update(authenticator=authenticate, auth_required=True,
                       auth_require_tls=TLS is not None)
    return SMTP(Handler(), **options)


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(make_smtp, "127.0.0.1", PORT)
    with open(os.path.join(DIR, "ready"), "w") as f:
        f.write("%d\n" % PORT)
    async with server:
        await server.serve_forever()


asyncio.run(main())
