//! The log as the receipts endpoint's sink.

use consentry_server::{AcceptedReceipt, ReceiptSink, SinkError, SinkFuture, Stored};

use crate::backend::AppendOutcome;
use crate::entry::NewEntry;
use crate::log::ConsentLog;

/// Stores each accepted receipt as one entry: a repeated receipt is
/// [`Stored::Duplicate`], another receipt under a stored id [`SinkError::Conflict`], a log that
/// cannot write [`SinkError::Unavailable`] (the endpoint answers 503).
impl ReceiptSink for ConsentLog {
    fn store<'a>(&'a self, receipt: &'a AcceptedReceipt) -> SinkFuture<'a> {
        Box::pin(async move {
            let mut entry = NewEntry::new(receipt.receipt.clone(), receipt.received_at.0);
            entry.client_ip.clone_from(&receipt.client_ip);
            entry.user_agent.clone_from(&receipt.user_agent);
            match self.append(entry).await {
                Ok(AppendOutcome::New(_)) => Ok(Stored::New),
                Ok(AppendOutcome::Duplicate(_)) => Ok(Stored::Duplicate),
                Ok(AppendOutcome::Conflict(_)) => Err(SinkError::Conflict),
                Err(e) => Err(SinkError::Unavailable(Box::new(e))),
            }
        })
    }
}
