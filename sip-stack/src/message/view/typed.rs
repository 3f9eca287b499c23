//! Typed values on demand: one field of a view parsed into [`Header`]s
//! without building the whole typed tree.

use bytes::Bytes;

use super::super::error::{ParseError, ParseErrorKind as K};
use super::super::headers::{names_expand, parse_typed, Header, HeaderKind};
use super::{FieldView, MessageView};

impl<'a> FieldView<'a> {
    /// The field's typed value: one [`Header`] per list element (a Via
    /// line `a, b` gives two), [`Header::Other`] for untyped headers.
    ///
    /// A field of a parsed [`MessageView`] always converts; an error is
    /// only possible for a hand-made `FieldView`.
    ///
    /// ```
    /// use openphone_sip::message::{Header, HeaderKind, MessageView};
    /// let raw = b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n\
    /// From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n";
    /// let view = MessageView::parse(raw).unwrap();
    /// let via_line = view.fields_of(HeaderKind::Via).next().unwrap();
    /// let vias = via_line.typed().unwrap();
    /// assert_eq!(vias.len(), 2);
    /// assert!(matches!(&vias[1], Header::Via(v) if v.branch() == Some("z9hG4bK2")));
    /// ```
    pub fn typed(&self) -> Result<Vec<Header>, ParseError> {
        let value = self.value_unfolded();
        let Some(kind) = self.kind else {
            return Ok(vec![Header::Other {
                name: names_expand(self.name).to_owned(),
                value: Bytes::copy_from_slice(&value),
            }]);
        };
        let err = |reason| {
            ParseError::new(K::Header {
                name: kind.name(),
                reason,
            })
        };
        let text = std::str::from_utf8(&value).map_err(|_| err("not valid UTF-8"))?;
        let mut out = Vec::new();
        parse_typed(kind, text, &mut out).map_err(err)?;
        Ok(out)
    }
}

impl<'a> MessageView<'a> {
    /// The fields of one typed kind, in order (compact and long names
    /// alike).
    pub fn fields_of(&self, kind: HeaderKind) -> impl Iterator<Item = &FieldView<'a>> + '_ {
        self.fields.iter().filter(move |f| f.kind == Some(kind))
    }

    /// The untyped fields called `name` (case-insensitive, compact forms
    /// expanded), in order.
    pub fn fields_named<'n>(
        &'n self,
        name: &'n str,
    ) -> impl Iterator<Item = &'n FieldView<'a>> + 'n {
        let want = names_expand(name);
        self.fields
            .iter()
            .filter(move |f| f.kind.is_none() && names_expand(f.name).eq_ignore_ascii_case(want))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_match_the_typed_tree() {
        let raw = b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
Max-Forwards: 70\r\nTo: Bob <sip:bob@biloxi.example.com>\r\n\
f: <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\nCSeq: 314159 INVITE\r\n\
s: lunch\r\nSubject: again\r\nContent-Length: 0\r\n\r\n";
        let view = MessageView::parse(raw).unwrap();
        let tree = view.to_message().unwrap();
        let mut all = Vec::new();
        for f in view.fields() {
            all.extend(f.typed().unwrap());
        }
        assert_eq!(all, tree.headers().iter().cloned().collect::<Vec<_>>());
        let subjects: Vec<_> = view.fields_named("subject").map(|f| f.value).collect();
        assert_eq!(subjects, [&b"lunch"[..], b"again"]);
        assert_eq!(view.fields_of(HeaderKind::From).count(), 1);
    }

    #[test]
    fn a_hand_made_bad_field_is_an_error() {
        let f = FieldView {
            name: "CSeq",
            value: b"x",
            kind: Some(HeaderKind::CSeq),
        };
        assert_eq!(f.typed().unwrap_err().response_code(), 400);
    }
}
