//! End-to-end tests of the whole contractgate pipeline (spec → IR → generated tests → harness),
//! run against real servers. The tests live in `tests/`; this library is empty on purpose.
