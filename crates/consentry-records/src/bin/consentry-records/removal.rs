//! `erase` and `purge`: removing content, keeping the leaf hashes so the log still verifies.

use serde_json::json;

use crate::args::Global;
use crate::output::{emit, Lines};
use crate::{open_log, Fail, OK};

/// `erase`: every record of one subject (GDPR Art. 17).
pub(crate) async fn erase(g: &Global, subject: &str) -> Result<u8, Fail> {
    let log = open_log(g, None).await?;
    let erased = log.erase(subject).await?;
    let mut lines = Lines::default();
    lines.field("subject", subject).field("erased", erased);
    lines.note(if erased == 0 {
        "Nothing was held about this subject (or it was erased before)."
    } else {
        "Content, receipt id and subject are gone; the leaf hashes stay, so the log still verifies."
    });
    emit(
        g.json,
        &lines,
        &json!({ "subject": subject, "erased": erased }),
    )?;
    Ok(OK)
}

/// `purge`: the content of entries whose consent expired more than the retention period ago.
pub(crate) async fn purge(g: &Global) -> Result<u8, Fail> {
    let log = open_log(g, None).await?;
    let purged = log.purge().await?;
    let mut lines = Lines::default();
    lines.field("purged", purged).field(
        "retention",
        format!("{} days after the consent expired", g.retention_days),
    );
    emit(
        g.json,
        &lines,
        &json!({ "purged": purged, "retention_days": g.retention_days }),
    )?;
    Ok(OK)
}
