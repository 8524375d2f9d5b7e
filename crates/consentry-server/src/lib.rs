//! consentry on the server (work in progress).
