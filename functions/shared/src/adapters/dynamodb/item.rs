//! Items as DynamoDB holds them: attribute helpers and typed reads that
//! name the item when something is missing.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;

use crate::{Error, Result};

/// An item: attribute names to values.
pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(crate) fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}

pub(crate) fn put_opt(item: &mut Item, name: &str, v: Option<&str>) {
    if let Some(v) = v {
        item.insert(name.to_string(), s(v));
    }
}

/// Typed reads from an item, with errors that name the item.
pub(crate) struct Reader<'a> {
    pub(crate) item: &'a Item,
    pub(crate) what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn opt(&self, name: &str) -> Option<&'a str> {
        self.item
            .get(name)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
    }

    pub(crate) fn req(&self, name: &str) -> Result<&'a str> {
        self.opt(name)
            .ok_or_else(|| Error::corrupt(self.what, format!("attribute {name} is missing")))
    }

    pub(crate) fn num(&self, name: &str) -> Result<i64> {
        self.item
            .get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| Error::corrupt(self.what, format!("attribute {name} is not a number")))
    }

    pub(crate) fn time(&self, name: &str) -> Result<Timestamp> {
        self.req(name)?
            .parse()
            .map_err(|_| Error::corrupt(self.what, format!("attribute {name} is not a time")))
    }

    pub(crate) fn opt_time(&self, name: &str) -> Result<Option<Timestamp>> {
        self.opt(name).map(|_| self.time(name)).transpose()
    }

    pub(crate) fn parsed<T>(&self, name: &str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T> {
        parse(self.req(name)?).ok_or_else(|| {
            Error::corrupt(self.what, format!("attribute {name} has an unknown value"))
        })
    }
}
