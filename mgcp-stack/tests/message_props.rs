//! Property tests of the message layer: every generated message prints to
//! text that parses back to it; arbitrary input never panics, and whatever
//! parses prints to something that parses to the same message.

use openphone_mgcp::message::*;
use openphone_sal::DigitMap;
use openphone_sdp::SessionDescription;
use proptest::prelude::*;

fn tid() -> impl Strategy<Value = TransactionId> {
    (0u32..=MAX_TRANSACTION_ID).prop_map(|v| TransactionId::new(v).unwrap())
}

fn hex(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[0-9A-Fa-f]{{1,{max}}}")).unwrap()
}

fn term() -> impl Strategy<Value = NameTerm> {
    prop_oneof![
        4 => "[a-z][a-z0-9_.-]{0,6}".prop_map(NameTerm::Name),
        2 => "[0-9]{1,3}".prop_map(NameTerm::Name),
        1 => Just(NameTerm::All),
        1 => Just(NameTerm::Any),
    ]
}

fn domain() -> impl Strategy<Value = Domain> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9-]{0,8}){0,2}".prop_map(Domain::Host),
        any::<u32>().prop_map(|n| Domain::Number(n % 1_000_000_000)),
        any::<[u8; 4]>().prop_map(|a| Domain::Ip(std::net::IpAddr::from(a))),
        any::<[u16; 8]>().prop_map(|a| Domain::Ip(std::net::IpAddr::from(a))),
    ]
}

fn endpoint() -> impl Strategy<Value = EndpointName> {
    (proptest::collection::vec(term(), 1..4), domain())
        .prop_map(|(t, d)| EndpointName::new(t, d).unwrap())
}

fn event_name() -> impl Strategy<Value = EventName> {
    (
        proptest::option::of(prop_oneof!["[A-Z][A-Za-z0-9]{0,3}", Just("*".to_string())]),
        prop_oneof![
            "[a-z][a-z0-9-]{0,5}",
            Just("[0-9#*T]".to_string()),
            Just("all".to_string()),
            Just("*".to_string()),
        ],
        proptest::option::of(prop_oneof![
            hex(8).prop_map(|h| EventConnection::Id(ConnectionId::new(h).unwrap())),
            Just(EventConnection::All),
            Just(EventConnection::Current),
        ]),
    )
        .prop_map(|(package, event, connection)| EventName {
            package,
            event,
            connection,
        })
}

fn event_params() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        "[a-z0-9=+]{1,8}",
        "[0-9]{1,2}/[0-9]{1,2}, \"[A-Za-z ,()]{0,10}\"",
    ])
}

fn event_spec() -> impl Strategy<Value = EventSpec> {
    (event_name(), event_params()).prop_map(|(name, parameters)| EventSpec { name, parameters })
}

fn digit_map() -> impl Strategy<Value = DigitMap> {
    prop_oneof![
        Just("(0T|00T|[1-7]xxx|8xxxxxxx|#xxxxxxx|*xx|91xxxxxxxxxx|9011x.T)"),
        Just("[2-9]xx"),
        Just("(*6x|1x.T)"),
    ]
    .prop_map(|m| DigitMap::parse(m).unwrap())
}

fn simple_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Notify),
        Just(Action::Accumulate),
        Just(Action::DigitMap),
        Just(Action::Swap),
        Just(Action::Ignore),
        Just(Action::KeepSignals),
        "[A-Z]{1,3}/[a-z]{1,4}".prop_map(Action::Extension),
    ]
}

fn requested_event() -> impl Strategy<Value = RequestedEvent> {
    let leaf = (
        event_name(),
        proptest::collection::vec(simple_action(), 0..3),
        event_params(),
    )
        .prop_map(|(name, actions, parameters)| RequestedEvent {
            name,
            actions,
            parameters,
        });
    leaf.prop_recursive(2, 8, 3, |inner| {
        (
            event_name(),
            proptest::option::of(proptest::collection::vec(inner, 0..3)),
            proptest::option::of(proptest::collection::vec(event_spec(), 0..2)),
            proptest::option::of(digit_map()),
        )
            .prop_map(|(name, r, s, d)| RequestedEvent {
                name,
                actions: vec![
                    Action::Accumulate,
                    Action::Embedded(EmbeddedRequest {
                        requested_events: r,
                        signals: s,
                        digit_map: d,
                    }),
                ],
                parameters: None,
            })
    })
}

fn range() -> impl Strategy<Value = Range> {
    (0u32..1000, proptest::option::of(0u32..1000)).prop_map(|(a, b)| Range {
        min: a,
        max: b.map(|b| a + b),
    })
}

fn option() -> impl Strategy<Value = ConnectionOption> {
    prop_oneof![
        range().prop_map(ConnectionOption::Packetization),
        proptest::collection::vec("[A-Z][A-Z0-9-]{0,6}", 1..4).prop_map(ConnectionOption::Codecs),
        range().prop_map(ConnectionOption::Bandwidth),
        any::<bool>().prop_map(ConnectionOption::EchoCancellation),
        any::<bool>().prop_map(ConnectionOption::SilenceSuppression),
        prop_oneof![Just("auto".to_string()), "[0-9]{1,2}"].prop_map(ConnectionOption::GainControl),
        any::<u8>().prop_map(ConnectionOption::TypeOfService),
        prop_oneof!["g", "cl", "be"].prop_map(ConnectionOption::ResourceReservation),
        "clear:[A-Za-z0-9]{1,8}".prop_map(ConnectionOption::EncryptionKey),
        prop_oneof!["IN", "ATM", "LOCAL"].prop_map(ConnectionOption::NetworkType),
        ("x-[a-z]{1,5}", "[A-Za-z0-9;:]{1,8}")
            .prop_map(|(name, value)| ConnectionOption::Other { name, value }),
    ]
}

fn options() -> impl Strategy<Value = LocalConnectionOptions> {
    proptest::collection::vec(option(), 0..5).prop_map(LocalConnectionOptions)
}

fn pairs(upper: bool) -> impl Strategy<Value = Pairs> {
    proptest::collection::vec(("[A-Za-z]{1,3}", "-?[0-9]{1,6}"), 0..5).prop_map(move |v| Pairs {
        entries: v
            .into_iter()
            .map(|(n, val)| {
                let n = if upper {
                    n.to_ascii_uppercase()
                } else {
                    n.to_ascii_lowercase()
                };
                (n, val)
            })
            .collect(),
    })
}

fn mode() -> impl Strategy<Value = ConnectionMode> {
    prop_oneof![
        Just(ConnectionMode::SendOnly),
        Just(ConnectionMode::RecvOnly),
        Just(ConnectionMode::SendRecv),
        Just(ConnectionMode::Conference),
        Just(ConnectionMode::Inactive),
        Just(ConnectionMode::Loopback),
        Just(ConnectionMode::ContinuityTest),
        Just(ConnectionMode::NetworkLoop),
        Just(ConnectionMode::NetworkTest),
        "[A-Z]{1,3}/[a-z]{1,6}".prop_map(ConnectionMode::Extension),
    ]
}

fn restart_method() -> impl Strategy<Value = RestartMethod> {
    prop_oneof![
        Just(RestartMethod::Graceful),
        Just(RestartMethod::Forced),
        Just(RestartMethod::Restart),
        Just(RestartMethod::Disconnected),
        Just(RestartMethod::CancelGraceful),
        "X-[a-z]{1,6}".prop_map(RestartMethod::Extension),
    ]
}

fn notified_entity() -> impl Strategy<Value = NotifiedEntity> {
    (
        proptest::option::of("[a-z][a-z0-9.]{0,6}"),
        domain(),
        proptest::option::of(any::<u16>()),
    )
        .prop_map(|(local, domain, port)| NotifiedEntity {
            local,
            domain,
            port,
        })
}

fn parameter() -> impl Strategy<Value = Parameter> {
    let ids = || hex(32).prop_map(|h| ConnectionId::new(h).unwrap());
    prop_oneof![
        proptest::collection::vec(tid(), 0..4)
            .prop_map(|v| Parameter::ResponseAck(ResponseAck::from_ids(v))),
        pairs(false).prop_map(|p| Parameter::BearerInformation(BearerInformation(p))),
        hex(32).prop_map(|h| Parameter::CallId(CallId::new(h).unwrap())),
        options().prop_map(Parameter::Capabilities),
        proptest::collection::vec(ids(), 0..3).prop_map(Parameter::ConnectionId),
        mode().prop_map(Parameter::ConnectionMode),
        pairs(true).prop_map(|p| Parameter::ConnectionParameters(ConnectionParameters(p))),
        proptest::collection::vec(event_spec(), 0..3).prop_map(Parameter::DetectEvents),
        digit_map().prop_map(Parameter::DigitMap),
        proptest::collection::vec(event_spec(), 0..3).prop_map(Parameter::EventStates),
        options().prop_map(Parameter::LocalConnectionOptions),
        (0u32..999_999_999).prop_map(Parameter::MaxDatagram),
        notified_entity().prop_map(Parameter::NotifiedEntity),
        proptest::collection::vec(event_spec(), 0..4).prop_map(Parameter::ObservedEvents),
        proptest::collection::vec(("[A-Z][a-z]{0,3}", 0u32..10), 0..3).prop_map(|v| {
            Parameter::PackageList(PackageList(
                v.into_iter()
                    .map(|(name, version)| PackageVersion { name, version })
                    .collect(),
            ))
        }),
        proptest::collection::vec(
            prop_oneof![
                Just(QuarantineMode::Process),
                Just(QuarantineMode::Discard),
                Just(QuarantineMode::Step),
                Just(QuarantineMode::Loop)
            ],
            1..3
        )
        .prop_map(|m| Parameter::QuarantineHandling(QuarantineHandling(m))),
        (0u16..1000, "([A-Za-z][A-Za-z -]{0,10}[a-z])?")
            .prop_map(|(code, text)| Parameter::ReasonCode(ReasonCode { code, text })),
        proptest::collection::vec(requested_event(), 0..3).prop_map(Parameter::RequestedEvents),
        proptest::collection::vec("[A-Z]{1,2}", 0..4)
            .prop_map(|v| Parameter::RequestedInfo(RequestedInfo(v))),
        hex(32).prop_map(|h| Parameter::RequestId(RequestId::new(h).unwrap())),
        (0u32..100_000).prop_map(Parameter::RestartDelay),
        restart_method().prop_map(Parameter::RestartMethod),
        ids().prop_map(Parameter::SecondConnectionId),
        endpoint().prop_map(Parameter::SecondEndpointId),
        proptest::collection::vec(event_spec(), 0..3).prop_map(Parameter::SignalRequests),
        endpoint().prop_map(Parameter::SpecificEndpointId),
        ("X-[A-Za-z]{1,6}", "([!-~]([ -~]{0,10}[!-~])?)?")
            .prop_map(|(name, value)| Parameter::Other { name, value }),
    ]
}

fn parameters() -> impl Strategy<Value = Parameters> {
    proptest::collection::vec(parameter(), 0..10).prop_map(|v| {
        let mut out = Parameters::default();
        for p in v {
            if p.may_repeat() || !out.iter().any(|q| q.code() == p.code()) {
                out.push(p);
            }
        }
        out
    })
}

fn sdp() -> impl Strategy<Value = Vec<SessionDescription>> {
    let one = (1u16..65535, prop_oneof![Just("0"), Just("8"), Just("0 8 101")]).prop_map(
        |(port, fmts)| {
            let text = format!(
                "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio {port} RTP/AVP {fmts}\r\na=sendrecv\r\n"
            );
            SessionDescription::parse(text.as_bytes()).unwrap()
        },
    );
    proptest::collection::vec(one, 0..3)
}

fn verb() -> impl Strategy<Value = Verb> {
    prop_oneof![
        8 => (0usize..9).prop_map(|i| Verb::ALL[i].clone()),
        1 => "X[A-Z0-9]{3}".prop_map(|v| Verb::parse(&v).unwrap()),
    ]
}

fn command() -> impl Strategy<Value = Command> {
    (
        verb(),
        tid(),
        endpoint(),
        proptest::option::of("[A-Z]{2,4} 1\\.[0-9]"),
        parameters(),
        sdp(),
    )
        .prop_map(
            |(verb, transaction_id, endpoint, profile, parameters, sdp)| Command {
                verb,
                transaction_id,
                endpoint,
                profile,
                parameters,
                sdp,
            },
        )
}

fn response() -> impl Strategy<Value = Response> {
    (
        0u16..1000,
        tid(),
        proptest::option::of("[A-Za-z][A-Za-z0-9]{0,3}"),
        "([A-Za-z0-9][ -~]{0,20}[A-Za-z0-9])?",
        parameters(),
        sdp(),
    )
        .prop_map(
            |(code, transaction_id, package, commentary, parameters, sdp)| Response {
                code: ReturnCode::new(code).unwrap(),
                transaction_id,
                package,
                commentary,
                parameters,
                sdp,
            },
        )
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        command().prop_map(Message::Command),
        response().prop_map(Message::Response),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_messages_parse_back(m in message()) {
        let text = m.to_string();
        let parsed = Message::parse(text.as_bytes());
        prop_assert_eq!(parsed.as_ref(), Ok(&m), "{}", text);
        // Printing is a fixed point.
        prop_assert_eq!(parsed.unwrap().to_string(), text);
    }

    #[test]
    fn datagrams_round_trip(ms in proptest::collection::vec(message(), 1..MAX_MESSAGES_PER_DATAGRAM)) {
        let d = print_datagram(&ms);
        let back: Vec<Message> = parse_datagram(&d)
            .unwrap()
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap();
        prop_assert_eq!(back, ms);
    }

    #[test]
    fn mutated_messages_never_panic_and_reparse(m in message(), cuts in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)) {
        let mut bytes = m.to_bytes();
        for (i, b) in cuts {
            let at = i.index(bytes.len());
            // Flip a byte to something MGCP cares about, or anything.
            bytes[at] = match b % 8 {
                0 => b'\n',
                1 => b':',
                2 => b'(',
                3 => b',',
                4 => b' ',
                5 => b'.',
                _ => b,
            };
        }
        if let Ok(ms) = parse_datagram(&bytes) {
            for parsed in ms.into_iter().flatten() {
                let again = Message::parse(parsed.to_string().as_bytes());
                prop_assert_eq!(again, Ok(parsed));
            }
        }
        if let Err(e) = Message::parse(&bytes) {
            let _ = (e.return_code(), e.error_response_code(), e.to_string());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(m) = Message::parse(&bytes) {
            prop_assert_eq!(Message::parse(m.to_string().as_bytes()), Ok(m));
        }
    }
}
