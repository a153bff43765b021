/// What verifying one commit's signature found: the report's `trust.signature` (issue 15).
///
/// A value, never a thrown error: an untrusted commit is an outcome to report, not a failure to retry.
public struct SignatureVerdict: Codable, Hashable, Sendable {
    public enum State: String, Codable, Hashable, Sendable {
        /// Good signature by a key in the signers file.
        case trusted
        /// No `gpgsig` header.
        case unsigned
        /// A correct signature by a key the signers file does not list.
        case unknownKey = "unknown_key"
        /// The signature does not match the commit (content changed after signing) or is unreadable.
        case invalidSignature = "invalid_signature"
        /// A format enginesync cannot check here (OpenPGP without `gpg_keyring_file`, X.509).
        case unverifiable
    }

    /// How the commit was signed, from the signature's armour.
    public enum Format: String, Codable, Hashable, Sendable {
        case ssh, openpgp, x509, unknown

        /// The format of an armoured signature (`-----BEGIN SSH SIGNATURE-----`, …).
        public static func detect(_ armoured: String) -> Format {
            if armoured.hasPrefix("-----BEGIN SSH SIGNATURE-----") { return .ssh }
            if armoured.hasPrefix("-----BEGIN PGP SIGNATURE-----") || armoured.hasPrefix("-----BEGIN PGP MESSAGE-----")
            {
                return .openpgp
            }
            if armoured.hasPrefix("-----BEGIN SIGNED MESSAGE-----") { return .x509 }
            return .unknown
        }
    }

    public var state: State
    public var format: Format?
    /// The principal (ssh) or user id (OpenPGP) the signers file matched; `nil` unless trusted.
    public var signer: String?
    /// The signing key's fingerprint (`SHA256:…`, or the OpenPGP fingerprint), when the tool said.
    public var key: String?
    /// One line for an operator: why the commit is (not) trusted.
    public var reason: String

    public init(state: State, format: Format? = nil, signer: String? = nil, key: String? = nil, reason: String) {
        self.state = state
        self.format = format
        self.signer = signer
        self.key = key
        self.reason = reason
    }

    public var isTrusted: Bool { state == .trusted }

    /// Who signed, as reports name it: the principal, else the key, else nothing.
    public var signedBy: String? {
        if let signer { return key.map { "\(signer) (\($0))" } ?? signer }
        return key
    }

    public static let unsigned = SignatureVerdict(state: .unsigned, reason: "the commit is not signed")
}
