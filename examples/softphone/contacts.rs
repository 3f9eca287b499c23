//! The address book: contacts imported from vCard 3.0/4.0 files (RFC 2426,
//! RFC 6350; parsed by the `ical` crate), for the caller's name on incoming
//! calls and `call NAME`.
//!
//! A contact's addresses are its `sip:`/`sips:` URIs (`IMPP`, `X-SIP`,
//! `URL` properties, or a `TEL` holding one) and its phone numbers (`TEL`,
//! v3 text or v4 `tel:` URI), compared by their digits and a leading `+`.

use std::io::BufReader;
use std::path::Path;

/// Largest address book file read.
const MAX_FILE: u64 = 16 * 1024 * 1024;

/// Most contacts kept.
const MAX_CONTACTS: usize = 100_000;

/// One contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub uris: Vec<String>,
    pub numbers: Vec<String>,
}

/// Every contact loaded.
#[derive(Debug, Default)]
pub struct AddressBook {
    contacts: Vec<Contact>,
}

/// `\,` `\;` `\\` `\n` as RFC 6350 §3.4 escapes them.
fn unescape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push(' '),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out.trim().to_string()
}

/// A number's digits, with a leading `+` kept; `None` if it has none.
fn digits(v: &str) -> Option<String> {
    let v = v.trim();
    let v = v.strip_prefix("tel:").unwrap_or(v);
    let v = v.split(';').next().unwrap_or(v);
    let mut out = String::new();
    if v.starts_with('+') {
        out.push('+');
    }
    out.extend(v.chars().filter(char::is_ascii_digit));
    (out.len() > usize::from(out.starts_with('+'))).then_some(out)
}

fn is_sip(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    l.starts_with("sip:") || l.starts_with("sips:")
}

/// `user@host` of a SIP URI (or of a display form like `"A" <sip:…>`), lower-cased.
fn user_host(uri: &str) -> Option<String> {
    let uri = match (uri.find('<'), uri.find('>')) {
        (Some(a), Some(b)) if a < b => &uri[a + 1..b],
        _ => uri,
    };
    let rest = uri.split_once(':')?.1;
    let rest = rest.split([';', '?', '>']).next()?;
    let (user, host) = rest.split_once('@')?;
    let host = host.split(':').next()?;
    Some(format!("{user}@{host}").to_ascii_lowercase())
}

impl AddressBook {
    /// Loads every contact of `path`; a file that is not a vCard address
    /// book is an error naming the problem.
    pub fn load(path: &Path) -> Result<AddressBook, String> {
        let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        if size > MAX_FILE {
            return Err(format!("{}: over {MAX_FILE} bytes", path.display()));
        }
        let mut book = AddressBook::default();
        for (i, card) in ical::VcardParser::new(BufReader::new(file)).enumerate() {
            let card = card.map_err(|e| format!("{}: card {}: {e}", path.display(), i + 1))?;
            if book.contacts.len() == MAX_CONTACTS {
                return Err(format!("{}: over {MAX_CONTACTS} contacts", path.display()));
            }
            let mut contact = Contact {
                name: String::new(),
                uris: Vec::new(),
                numbers: Vec::new(),
            };
            let mut structured = String::new();
            for p in &card.properties {
                let Some(value) = p.value.as_deref() else {
                    continue;
                };
                match p.name.to_ascii_uppercase().as_str() {
                    "FN" => contact.name = unescape(value),
                    // Family;Given;… when there is no FN.
                    "N" => {
                        let mut parts = value.split(';').map(unescape);
                        let family = parts.next().unwrap_or_default();
                        let given = parts.next().unwrap_or_default();
                        structured = format!("{given} {family}").trim().to_string();
                    }
                    "IMPP" | "X-SIP" | "URL" if is_sip(value) => {
                        contact.uris.push(value.trim().to_string())
                    }
                    "TEL" if is_sip(value) => contact.uris.push(value.trim().to_string()),
                    "TEL" => contact.numbers.extend(digits(value)),
                    _ => {}
                }
            }
            if contact.name.is_empty() {
                contact.name = structured;
            }
            if contact.name.is_empty() || (contact.uris.is_empty() && contact.numbers.is_empty()) {
                // Nothing to call or recognise.
                continue;
            }
            book.contacts.push(contact);
        }
        Ok(book)
    }

    pub fn len(&self) -> usize {
        self.contacts.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Contact> {
        self.contacts.iter()
    }

    /// Adds `other`'s contacts.
    pub fn extend(&mut self, other: AddressBook) {
        self.contacts.extend(other.contacts);
    }

    /// The name of whoever `remote` (a SIP address as the phone prints it) is.
    pub fn name_for(&self, remote: &str) -> Option<&str> {
        let key = user_host(remote)?;
        let user = key.split('@').next().unwrap_or_default().to_string();
        let number = digits(&user).filter(|d| d.len() == user.len());
        self.contacts
            .iter()
            .find(|c| {
                c.uris.iter().any(|u| user_host(u).as_deref() == Some(&key))
                    || number.as_ref().is_some_and(|n| c.numbers.contains(n))
            })
            .map(|c| c.name.as_str())
    }

    /// The contact called `name`: an exact (case-blind) name, or else the
    /// only one whose name contains it.
    pub fn lookup(&self, name: &str) -> Result<&Contact, String> {
        let want = name.to_lowercase();
        if let Some(c) = self.contacts.iter().find(|c| c.name.to_lowercase() == want) {
            return Ok(c);
        }
        let found: Vec<&Contact> = self
            .contacts
            .iter()
            .filter(|c| c.name.to_lowercase().contains(&want))
            .collect();
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(format!("no contact named {name:?}")),
            many => Err(format!(
                "{name:?} is ambiguous: {}",
                many.iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// The URI to call `c` at: its first SIP URI, or its first number at
    /// `domain` (the account's).
    pub fn uri_for(c: &Contact, domain: Option<&str>) -> Result<String, String> {
        if let Some(u) = c.uris.first() {
            return Ok(u.clone());
        }
        match (c.numbers.first(), domain) {
            (Some(n), Some(d)) => Ok(format!("sip:{n}@{d}")),
            (Some(_), None) => Err(format!(
                "{} has only phone numbers, and there is no account to call them through",
                c.name
            )),
            (None, _) => Err(format!("{} has no address", c.name)),
        }
    }
}
