//! The `/privacy` page: the seed's privacy policy (`packagetrack-pro-privacy-policy.txt`, see
//! `docs/seeds.md`) in full and in its order, corrected where it contradicted the code or the
//! law, with the cookie and tracking section generated from the policy file
//! ([`consentry::Policy::notice_html`]) in place of the seed's "Cookies" paragraph.

/// The page body around `notice`, the generated cookie and tracking section.
pub(crate) fn body(notice: &str) -> String {
    format!(
        r##"<h1>Privacy policy</h1>
<p id="last-updated">Last updated: March 27, 2026</p>
<h2>Introduction</h2>
<p>PackageTrack Pro ("we", "us" or "our") respects your privacy. This Privacy Policy explains how
we collect, use, disclose and safeguard your information when you use our package tracking and
mailroom management platform ("the Service").</p>
<h2>Information we collect</h2>
<h3>Account information</h3>
<p>When you create an account, we collect your name, your email address and a password, which we
store only as a bcrypt hash (see "Data security"). If you are invited to an organization, we also
associate your account with that organization and facility.</p>
<h3>Package data</h3>
<p>The Service stores package tracking information including carrier, tracking number, sender,
recipient name, status, timestamps and optional notes. This data is entered by your facility's
operators and belongs to your organization.</p>
<h3>Photos and signatures</h3>
<p>When operators capture package photos or delivery signatures, these images are stored securely
in Cloudflare R2 object storage. Photos are processed (resized, compressed) server-side and
associated with the relevant package record.</p>
<h3>AI-processed data</h3>
<p>When you use AI-powered features (label scanning, recipient matching, natural language search),
relevant data is sent to Anthropic's Claude API for processing. We send only the minimum data
required: for example, a cropped label photo for scanning. Anthropic does not use this data to
train their models.</p>
<h3>Usage and technical data</h3>
<p>We collect standard technical information including IP address, browser type, device type,
pages visited and error logs. This data is used for service operation, debugging and security
monitoring via Sentry, from our servers: no Sentry script runs in your browser, and it sets no
cookies.</p>
<h2>How we use your information</h2>
<ul>
<li>To provide and maintain the Service.</li>
<li>To send transactional notifications (package received, delivered, held) via your configured channels.</li>
<li>To process billing and manage your subscription via Stripe.</li>
<li>To provide AI-powered features (label reading, smart search, recipient matching).</li>
<li>To monitor service health, debug errors and improve reliability.</li>
<li>To communicate important service updates, security notices or billing changes.</li>
</ul>
<h2>Multi-tenant data isolation</h2>
<p>PackageTrack Pro is a multi-tenant platform. Every database query is scoped to your active
facility. Your package data, recipient information, photos and activity logs are logically
isolated and cannot be accessed by other tenants. Organization administrators may switch between
facilities they manage, but can only view data belonging to the facility they are currently
working in. Data from one facility is never visible within or combined with another facility.</p>
<h2>Data sharing and third parties</h2>
<p>We do not sell your data. We share data only with:</p>
<ul id="third-parties">
<li>Stripe: for payment processing. Stripe handles your payment information under their own privacy policy.</li>
<li>Anthropic (Claude API): for AI features. Only the minimum required data is sent. Anthropic's zero-data-retention policy applies.</li>
<li>Resend: for transactional email delivery (package notifications, account emails).</li>
<li>Cloudflare R2: for secure photo and file storage.</li>
<li>Sentry: for error tracking and performance monitoring on our servers. No package data is included in error reports, and Sentry sets no cookies in your browser.</li>
<li>Vercel: for application hosting and serverless infrastructure.</li>
<li>Neon: for PostgreSQL database hosting.</li>
</ul>
<h2>Data retention</h2>
<ul>
<li>Active accounts: your data is retained for as long as your subscription is active.</li>
<li>After cancellation: your data remains accessible in read-only mode for 30 days, then is permanently deleted.</li>
<li>Trial expiration: if you do not subscribe after the 10-day free trial, your data enters a 30-day read-only grace period, followed by permanent deletion at day 40.</li>
<li>Photos: automatically deleted according to your facility's retention policy (default: 90 days, configurable from 7 to 365 days). Photos are also deleted when the associated package record is removed, or upon account deletion.</li>
<li>Cookies: as long as the table under "Cookies and similar technologies" says.</li>
</ul>
<h2>Data security</h2>
<p>We protect your data with:</p>
<ul>
<li>Encrypted connections (TLS/HTTPS) for all data in transit.</li>
<li>Encrypted database connections via Neon's serverless driver.</li>
<li>Passwords hashed with bcrypt (cost factor 12).</li>
<li>Integration credentials encrypted with AES-256-GCM at rest.</li>
<li>Presigned URLs for secure, time-limited photo access.</li>
<li>Rate limiting on authentication endpoints.</li>
<li>Role-based access controls within each facility.</li>
<li>Sign-in and session cookies that are <code>__Host-</code> prefixed, HttpOnly, Secure and SameSite=Strict (the sign-in encrypted, the session id signed), and forms protected against cross-site request forgery.</li>
</ul>
<h2>Your rights</h2>
<p>Depending on your jurisdiction, you may have the right to:</p>
<ul>
<li>Access the personal data we hold about you.</li>
<li>Request correction of inaccurate data.</li>
<li>Request deletion of your data.</li>
<li>Export your data (available via CSV export in the Service).</li>
<li>Opt out of non-essential communications.</li>
<li>Where the GDPR applies, also ask us to restrict or object to processing, and lodge a complaint with your data protection authority.</li>
</ul>
<p>To exercise these rights, contact us at support@packagetrackpro.com.</p>
{notice}
<h2>Children's privacy</h2>
<p>The Service is not intended for use by anyone under the age of 18. We do not knowingly collect
personal information from children.</p>
<h2>California residents (CCPA)</h2>
<p>If you are a California resident, you have additional rights under the CCPA, including the
right to know what personal information we collect, the right to delete it, and the right to opt
out of any sale or sharing of personal information. We do not sell personal information, nor
share it for cross-context behavioural advertising.</p>
<h2>Changes to this policy</h2>
<p>We may update this Privacy Policy from time to time. We will notify you of material changes by
email or through the Service. The "Last updated" date at the top reflects the most recent
revision.</p>
<h2>Contact</h2>
<p>Questions or concerns about this Privacy Policy? Contact us at support@packagetrackpro.com.</p>"##
    )
}
