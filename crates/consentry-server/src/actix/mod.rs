//! actix-web 4 adapter (in progress).
