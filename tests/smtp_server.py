#!/usr/bin/python3
"""A loopback SMTP server for kpipress's mail tests (Debian's python3-aiosmtpd).

  smtp_server.py serve DIR PORTFILE [--port N] [--reply ADDR=CODE[xCOUNT]]...
                 [--auth USER:PASSWORD] [--hangup ADDR]...
      Listens on 127.0.0.1 (port N, or a free one), writes the port to
      PORTFILE once it listens, and stores every message it accepts as
      DIR/NNNN.eml (the bytes received) with DIR/NNNN.rcpt (MAIL FROM, then
      one RCPT per line). --reply answers RCPT TO:<ADDR> with CODE (e.g. 451,
      550) COUNT times (default: always), then accepts it. --auth requires
      AUTH with that user and password. --hangup: for a message to ADDR, the
      message is stored, then the connection is closed with no reply to the
      end of DATA (the client cannot know it arrived). --die-after N: once N
      messages are stored (and answered), the server exits at once, dropping
      every connection (a server lost in the middle of a batch).
      --stall ADDR=SECONDS: for a message to ADDR, the message is stored,
      then the reply to the end of DATA ("250") comes only after SECONDS (a
      client that gave up before then must not read it as the reply to its
      next command).
      --tls CERT,KEY: STARTTLS with that certificate, required before any
      mail (and before AUTH); --smtps: TLS from the first byte instead.

  smtp_server.py inspect DIR
      One line per stored message, tab-separated: number, To address, Cc
      address, decoded Subject, decoded attachment name, sha256 of the
      decoded attachment, sha256 of the message bytes, Message-ID,
      envelope recipients (space-separated).

  smtp_server.py attachment EML OUT
      Writes the decoded attachment of message file EML to OUT.

  smtp_server.py body EML
      Prints the decoded text/plain body of message file EML.
"""
import argparse
import asyncio
import email
import email.policy
import hashlib
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult


class Handler:
    def __init__(self, args):
        self.dir = args.dir
        self.rules = {}
        for r in args.reply:
            addr, _, spec = r.partition("=")
            code, _, count = spec.partition("x")
            self.rules[addr.lower()] = [int(code), int(count) if count else -1]
        self.hangup = {a.lower() for a in args.hangup}
        self.die_after = args.die_after
        self.stall = {}
        for r in args.stall:
            addr, _, secs = r.partition("=")
            self.stall[addr.lower()] = float(secs)
        self.seq = len([f for f in os.listdir(self.dir) if f.endswith(".eml")])
        self.first = self.seq

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        rule = self.rules.get(address.lower())
        if rule and rule[1] != 0:
            rule[1] -= 1 if rule[1] > 0 else 0
            text = "4.3.0 Mailbox busy, try again later" if rule[0] < 500 else "5.1.1 No such mailbox"
            return "%d %s" % (rule[0], text)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.seq += 1
        base = os.path.join(self.dir, "%04d" % self.seq)
        for ext, data in ((".rcpt", "\n".join([envelope.mail_from] + envelope.rcpt_tos) + "\n"),
                          (".eml", envelope.original_content)):
            tmp = base + ext + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data.encode() if isinstance(data, str) else data)
            os.rename(tmp, base + ext)
        if any(r.lower() in self.hangup for r in envelope.rcpt_tos):
            server.transport.abort()
            return "250 never sent"
        for r in envelope.rcpt_tos:
            if r.lower() in self.stall:
                await asyncio.sleep(self.stall[r.lower()])
                break
        if self.die_after and self.seq - self.first >= self.die_after:
            asyncio.get_running_loop().call_later(0.05, os._exit, 0)
        return "250 2.0.0 Message %04d accepted" % self.seq


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (getattr(auth_data, "login", None) == user.encode()
              and getattr(auth_data, "password", None) == password.encode())
        return AuthResult(success=ok, handled=False)
    return check


async def serve(args):
    handler = Handler(args)
    kw = {}
    if args.auth:
        user, _, password = args.auth.partition(":")
        kw = dict(auth_required=True, auth_require_tls=bool(args.tls),
                  authenticator=authenticator(user, password))
    ctx = None
    if args.tls:
        cert, _, key = args.tls.partition(",")
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        if not args.smtps:
            kw.update(tls_context=ctx, require_starttls=True)
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(lambda: SMTP(handler, hostname="kp-test", **kw),
                                   host="127.0.0.1", port=args.port,
                                   ssl=ctx if args.smtps else None)
    port = srv.sockets[0].getsockname()[1]
    with open(args.portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(args.portfile + ".tmp", args.portfile)
    await srv.serve_forever()


def inspect(folder):
    for name in sorted(f for f in os.listdir(folder) if f.endswith(".eml")):
        raw = open(os.path.join(folder, name), "rb").read()
        rcpt = open(os.path.join(folder, name[:-4] + ".rcpt")).read().split()[1:]
        m = email.message_from_bytes(raw, policy=email.policy.default)
        att = list(m.iter_attachments())
        fname = att[0].get_filename() if att else ""
        digest = hashlib.sha256(att[0].get_content()).hexdigest() if att else ""
        to = m["To"].addresses[0].addr_spec if m["To"] else ""
        cc = m["Cc"].addresses[0].addr_spec if m["Cc"] else ""
        print("\t".join([name[:-4], to, cc, str(m["Subject"]), fname or "", digest,
                         hashlib.sha256(raw).hexdigest(), str(m["Message-ID"]), " ".join(rcpt)]))


def attachment(eml, out):
    m = email.message_from_bytes(open(eml, "rb").read(), policy=email.policy.default)
    att = list(m.iter_attachments())
    with open(out, "wb") as f:
        f.write(att[0].get_content())


def body(eml):
    m = email.message_from_bytes(open(eml, "rb").read(), policy=email.policy.default)
    sys.stdout.write(m.get_body(("plain",)).get_content())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("dir")
    s.add_argument("portfile")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--reply", action="append", default=[])
    s.add_argument("--auth")
    s.add_argument("--hangup", action="append", default=[])
    s.add_argument("--die-after", type=int, default=0)
    s.add_argument("--stall", action="append", default=[])
    s.add_argument("--tls")
    s.add_argument("--smtps", action="store_true")
    i = sub.add_parser("inspect")
    i.add_argument("dir")
    a = sub.add_parser("attachment")
    a.add_argument("eml")
    a.add_argument("out")
    b = sub.add_parser("body")
    b.add_argument("eml")
    args = p.parse_args()
    if args.cmd == "serve":
        os.makedirs(args.dir, exist_ok=True)
        asyncio.run(serve(args))
    elif args.cmd == "inspect":
        inspect(args.dir)
    elif args.cmd == "body":
        body(args.eml)
    else:
        attachment(args.eml, args.out)


if __name__ == "__main__":
    sys.exit(main())
