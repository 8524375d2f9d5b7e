//! axum 0.8 adapter (in progress).
