//! Tests of the endpoint core.
