//! consentry in the browser (work in progress).
