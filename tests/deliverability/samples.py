"""Real-shaped messages from a bounce mailbox: RFC 3464 notifications, qmail and
Exim bounces, an ARF feedback-loop complaint, and things that are not bounces.

``{rcpt}`` is the failed address, ``{mid}`` our message's Message-ID, ``{to}`` the
address the bounce was sent to (the envelope sender of our message).
"""

from __future__ import annotations


def render(template: str, **values: str) -> bytes:
    return template.format(**values).replace("\n", "\r\n").encode()


DSN = """\
Return-Path: <>
Delivered-To: {to}
Received: by mx.fern.test (Postfix) id 4F2A1; Mon,  2 Mar 2026 10:01:00 +0000
Date: Mon,  2 Mar 2026 10:01:00 +0000 (UTC)
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {to}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="B1"
Message-Id: <{id}@mx.example.net>

This is a MIME-encapsulated message.

--B1
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--B1
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
X-Postfix-Queue-ID: 4F2A1
Arrival-Date: Mon,  2 Mar 2026 10:00:59 +0000 (UTC)

Final-Recipient: rfc822; {rcpt}
Original-Recipient: rfc822;{rcpt}
Action: {action}
Status: {status}
Remote-MTA: dns; mailbox.example.net
Diagnostic-Code: smtp; {diagnostic}

--B1
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <{to}>
From: Silver Fern <hello@fern.test>
To: {rcpt}
Subject: Spring pieces
Message-ID: {mid}

--B1--
"""

QMAIL = """\
Return-Path: <>
Delivered-To: {to}
Date: 2 Mar 2026 10:01:00 -0000
From: MAILER-DAEMON@qmail.example.org
To: {to}
Subject: failure notice
Message-ID: <qmail-{id}@qmail.example.org>

Hi. This is the qmail-send program at qmail.example.org.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<{rcpt}>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Return-Path: <{to}>
From: Silver Fern <hello@fern.test>
To: {rcpt}
Subject: Spring pieces
Message-ID: {mid}

Dear friend, new rings are in.
"""

EXIM = """\
Return-path: <>
Envelope-to: {to}
From: Mail Delivery System <Mailer-Daemon@exim.example.com>
To: {to}
Subject: Mail delivery failed: returning message to sender
Message-Id: <exim-{id}@exim.example.com>
X-Failed-Recipients: {rcpt}
Auto-Submitted: auto-replied
Date: Mon, 02 Mar 2026 10:01:00 +0000

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  {rcpt}
    host mx.example.com [192.0.2.25]
    SMTP error from remote mail server after RCPT TO:<{rcpt}>:
    550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown

------ This is a copy of the message, including all the headers. ------

From: Silver Fern <hello@fern.test>
To: {rcpt}
Subject: Spring pieces
Message-ID: {mid}

Dear friend, new rings are in.
"""

ARF = """\
From: <staff@hotmail.example>
Date: Mon, 02 Mar 2026 11:00:00 +0000
Subject: complaint about message from 192.0.2.1
To: {to}
Message-ID: <arf-{id}@feedback.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report;
\tboundary="part1"

--part1
Content-Type: text/plain; charset="US-ASCII"
Content-Transfer-Encoding: 7bit

This is an email abuse report for an email message received from IP
192.0.2.1 on Mon, 02 Mar 2026 10:00:00 +0000.

--part1
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <hello@fern.test>
Arrival-Date: Mon, 02 Mar 2026 10:00:00 +0000
Source-IP: 192.0.2.1
Reported-Domain: fern.test

--part1
Content-Type: message/rfc822
Content-Disposition: inline

From: Silver Fern <hello@fern.test>
To: {rcpt}
Subject: Spring pieces
Message-ID: {mid}
Date: Mon, 02 Mar 2026 10:00:00 +0000

Dear friend, new rings are in.

--part1--
"""

VACATION = """\
From: Anna <{rcpt}>
To: {to}
Subject: Out of office: Spring pieces
Message-ID: <ooo-{id}@example.com>
Auto-Submitted: auto-replied

I am away until Monday.
"""

GARBAGE = (
    b"\x00\xff not: a mail\r\n\r\n\xfe\xfe--\r\nContent-Type: multipart/report\r\n"
)

# An ARF report as RFC 5965 (appendix B) lays it out and as mailbox providers send
# it when they hide the recipient: no Original-Rcpt-To, the returned message's To
# redacted; the envelope sender is in Original-Mail-From and Return-Path.
ARF_REDACTED = """\
Return-Path: <>
From: Feedback Loop <feedbackloop@mail.example>
Date: Mon, 02 Mar 2026 11:00:00 +0000
Subject: Email Feedback Report for IP 192.0.2.1
To: {to}
Message-ID: <fbl-{id}@feedback.mail.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report;
\tboundary="----=_Part_{id}"

------=_Part_{id}
Content-Type: text/plain; charset="US-ASCII"
Content-Transfer-Encoding: 7bit

This is an email abuse report for an email message received from IP
192.0.2.1 on Mon, 02 Mar 2026 10:00:00 +0000.
For information, please review https://feedback.mail.example/

------=_Part_{id}
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: MailFBL/2.0
Version: 1
Original-Mail-From: <{envelope}>
Arrival-Date: Mon, 02 Mar 2026 10:00:00 +0000
Source-IP: 192.0.2.1
Reported-Domain: fern.test

------=_Part_{id}
Content-Type: message/rfc822
Content-Disposition: inline

Return-Path: <{envelope}>
Received: from mx.fern.test (mx.fern.test [192.0.2.1])
\tby mta1.mail.example with ESMTP; Mon, 02 Mar 2026 10:00:00 +0000
From: Silver Fern <hello@fern.test>
To: {hidden}
Subject: Spring pieces
Message-ID: {mid}
Date: Mon, 02 Mar 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

Dear friend, new rings are in.

------=_Part_{id}--
"""
