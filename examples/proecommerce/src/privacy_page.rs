//! The `/privacy` page: the seed's privacy policy (`proecommerce-privacy-policy.txt`, see
//! `docs/seeds.md`) in full and in its order, corrected where it contradicted the code or the
//! law, with the cookie and tracking section generated from the policy file
//! ([`consentry::Policy::notice_html`]) in place of the seed's "Cookies & tracking" paragraph.

/// The page body around `notice`, the generated cookie and tracking section.
pub(crate) fn body(notice: &str) -> String {
    format!(
        r##"<h1>Privacy policy</h1>
<h2>In short</h2>
<ul>
<li>We collect only the data needed to run your account and provide the service.</li>
<li>We do not sell your personal data. Ever.</li>
<li>Payments go straight to Stripe; we never see full card numbers.</li>
<li>You can export or delete your data at any time: email billing@proecommerce.com.</li>
</ul>
<h2>Who we are</h2>
<p>"ProEcommerce", "we", "us" and "our" refer to ProEcommerce, operating at proecommerce.com. The
data controller for personal information processed through our service is ProEcommerce, and our
contact for privacy matters is billing@proecommerce.com.</p>
<p>This policy applies to visitors of our public website, prospective customers who contact us,
and end-users of our billing platform (tenant administrators and their customers).</p>
<h2>What data we collect</h2>
<h3>Account and billing data</h3>
<ul>
<li>Name, business name, email address, phone number, postal address.</li>
<li>Authentication data (passwords hashed with bcrypt or Argon2id, TOTP secrets encrypted at rest, backup codes).</li>
<li>Subscription plan, payment method reference (Stripe <code>pm_xxx</code> / <code>cus_xxx</code>; never full card numbers).</li>
<li>Invoices, transactions, credit balances and related billing records.</li>
</ul>
<h3>Usage data</h3>
<ul>
<li>IP address, user agent, login timestamps, session identifiers.</li>
<li>Audit log of actions you take inside the platform.</li>
<li>Support ticket content and email correspondence.</li>
</ul>
<h3>Optional data</h3>
<ul>
<li>Sub-account contacts you add to your account.</li>
<li>Marketing consent and email preferences.</li>
<li>Domains managed on your behalf (for customers using our domain registrar).</li>
</ul>
<h3>Data we never collect</h3>
<ul>
<li>Full credit or debit card numbers: these go to Stripe directly, through Stripe's iframe.</li>
<li>Social-media tracking pixels: we don't run them on our site.</li>
<li>Advertising identifiers.</li>
</ul>
<h2>How we use your data</h2>
<p>We process personal data for these purposes only:</p>
<ul>
<li>Provide the service: authenticate you, run your billing, send invoices, process payments, provision hosting, register domains.</li>
<li>Customer support: respond to tickets, troubleshoot issues.</li>
<li>Security: detect abuse, rate-limit bots, maintain audit trails.</li>
<li>Legal compliance: tax reporting, lawful requests, dispute resolution.</li>
<li>Transactional email: invoices, password resets, service-status notices. These always go, whatever your marketing preference.</li>
<li>Marketing (opt-in only): product announcements and occasional updates. You can opt out at any time from the client portal.</li>
</ul>
<h2>Legal basis (GDPR)</h2>
<p>We process your data under one of these bases:</p>
<ul>
<li>Contract: to deliver the service you signed up for, including the strictly necessary cookies.</li>
<li>Legitimate interest: security, fraud prevention, audit logging.</li>
<li>Legal obligation: tax, accounting, court orders.</li>
<li>Consent: marketing email. We use no cookies beyond the strictly necessary ones, so no cookie waits for your consent.</li>
</ul>
<h2>Who we share data with</h2>
<p>We share only what each third party strictly needs. We never sell personal data.</p>
<table id="third-parties">
<thead><tr><th>Third party</th><th>Purpose</th><th>What we share</th></tr></thead>
<tbody>
<tr><td>Stripe, Inc.</td><td>Payment processing and its fraud prevention</td><td>Name, email, card-payment tokens, transaction amounts; on a card payment Stripe also sets its fraud-prevention cookies <code>__stripe_mid</code> and <code>__stripe_sid</code> (see “Cookies and similar technologies”)</td></tr>
<tr><td>Amazon Web Services (AWS)</td><td>Hosting, Route 53 domain registrar, Secrets Manager, S3 encrypted backups</td><td>Server data, encrypted backups, domain registration contact details (for ICANN)</td></tr>
<tr><td>MXRoute</td><td>Outbound email delivery</td><td>Email address, subject, message body (transactional only)</td></tr>
<tr><td>Let's Encrypt</td><td>TLS certificate issuance</td><td>Domain name only</td></tr>
<tr><td>Legal / regulators</td><td>Lawful requests only</td><td>Only what is legally required</td></tr>
</tbody>
</table>
<p>We do not use Google Analytics, Facebook Pixel or any third-party advertising network.
Server-side request logs are kept for up to 30 days.</p>
<h2>How long we keep data</h2>
<ul>
<li>Active account data: for as long as you have an account with us.</li>
<li>Closed-account billing records: 7 years, for tax and legal compliance.</li>
<li>Audit logs: 2 years (per our security standards).</li>
<li>Request logs: 30 days.</li>
<li>Encrypted backups: 365 days, then deleted from cold storage.</li>
<li>Marketing consent records: while you stay subscribed, and 3 years after you unsubscribe or close your account, to show that we had your consent; then deleted.</li>
<li>Cookies: as long as the table under “Cookies and similar technologies” says.</li>
</ul>
<h2>How we protect your data</h2>
<ul>
<li>TLS (HTTPS) for all traffic in and out.</li>
<li>Passwords stored with bcrypt or Argon2id hashing: we cannot read them.</li>
<li>Two-factor authentication (TOTP) available for all user tiers.</li>
<li>Server credentials and API tokens AES-256 encrypted at rest; the key in AWS Secrets Manager.</li>
<li>Nightly database backups encrypted with AES-256 and uploaded to S3 with bucket-level server-side encryption.</li>
<li>Application-level audit log; every money-touching action recorded.</li>
<li>fail2ban, rate limiting, and CSRF protection on all state-changing endpoints.</li>
<li>Scoped IAM users with minimum-necessary permissions.</li>
<li>A session cookie that is <code>__Host-</code> prefixed, HttpOnly, Secure, SameSite=Strict and signed; our server lets no cookie through that is not listed under “Cookies and similar technologies”.</li>
</ul>
<h2>Your rights</h2>
<p>Under GDPR, CCPA and similar regulations, you have the right to:</p>
<ul>
<li>Access: see what data we hold on you.</li>
<li>Correct: update inaccurate information.</li>
<li>Delete: request removal of your personal data (subject to legal retention obligations).</li>
<li>Port: receive your data in a portable format (CSV and SQL dump).</li>
<li>Object: to processing we base on legitimate interest (security, fraud prevention, audit logging), and at any time to marketing.</li>
<li>Restrict: ask us to pause processing while a dispute is resolved.</li>
<li>Withdraw consent: at any time, without affecting past lawful processing.</li>
<li>Complain: to your local data protection authority if we've mishandled your data.</li>
</ul>
<p>To exercise any of these, email billing@proecommerce.com from the address on file. We respond
within 30 days (GDPR) or 45 days (CCPA).</p>
<h2>California residents (CCPA)</h2>
<p>If you're a California resident, you have the right to know what personal information we
collect, the right to delete it, the right to opt out of its sale or sharing (we neither sell nor
share it, so this is moot), and the right to non-discrimination for exercising these rights.
Email us with "CCPA request" in the subject to exercise any right.</p>
<h2>International transfers</h2>
<p>ProEcommerce is based in the United States. Our servers run in AWS us-east-1 (Northern
Virginia). If you're accessing us from outside the US, your data is processed in the US under
standard contractual clauses where applicable.</p>
<h2>Children</h2>
<p>Our service is intended for business customers. We do not knowingly collect personal
information from anyone under 16. If you believe a child has given us information, email us and
we'll delete it.</p>
{notice}
<h2>Breach notification</h2>
<p>If we discover a data breach that affects your personal information, we'll notify you by email
within 72 hours and post a public notice on this site. Our incident response plan includes
immediate credential rotation, audit-log review, and regulatory reporting where required.</p>
<h2>Changes to this policy</h2>
<p>We'll update this page when we change something material. For substantial changes (new data
sharing, a new retention policy and the like) we'll email current customers at least 30 days
before the change takes effect.</p>
<h2>Contact</h2>
<p>Questions about this policy, or want to exercise any of your rights? Email
billing@proecommerce.com. We respond to every privacy request personally: no ticket system, no
form letters.</p>"##
    )
}
