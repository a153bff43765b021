import EngineSyncCore
import Foundation
import GitClient
import TextAlgorithms

/// Checks a commit signature with the system's tools: `ssh-keygen -Y` for SSH signatures (namespace `git`, as
/// git itself signs and verifies) and `gpgv` for OpenPGP ones. No cryptography is done here; this type only
/// decides which tool to ask and reads its answer.
///
/// Tool failures (missing binary, timeout) throw: they say nothing about the commit, so the reconcile fails
/// and is retried instead of settling on `untrusted`.
struct SignatureVerifier {
    let settings: TrustSettings

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The verdict on `signature` (nil: unsigned) against `signers` (an allowed_signers file; `nil`: no SSH key
    /// is trusted, only OpenPGP ones through the keyring).
    func verify(_ signature: GitCommitSignature?, signers: AllowedSigners?) throws -> SignatureVerdict {
        guard let signature else { return .unsigned }
        let format = SignatureVerdict.Format.detect(signature.signature)
        switch format {
        case .ssh:
            guard let signers else {
                return SignatureVerdict(
                    state: .unknownKey, format: .ssh,
                    reason: "an SSH signature, and no allowed_signers_file is configured")
            }
            return try verifySSH(signature, signers: signers)
        case .openpgp:
            guard let keyring = settings.gpgKeyringFile else {
                return SignatureVerdict(
                    state: .unverifiable, format: .openpgp,
                    reason: "an OpenPGP signature, and no gpg_keyring_file is configured")
            }
            return try verifyOpenPGP(signature, keyring: keyring)
        case .x509:
            return SignatureVerdict(
                state: .unverifiable, format: .x509, reason: "an X.509 (gpgsm) signature is not supported")
        case .unknown:
            return SignatureVerdict(
                state: .invalidSignature, format: .unknown, reason: "the signature's format is not recognised")
        }
    }

    private func verifySSH(_ signature: GitCommitSignature, signers: AllowedSigners) throws -> SignatureVerdict {
        let scratch = try Subprocess.ScratchDirectory()
        let signatureFile = try scratch.write("signature", Array(signature.signature.utf8))
        let payloadFile = try scratch.write("payload", signature.signedData)
        let signersFile = try scratch.write("allowed_signers", Array(signers.text.utf8))
        let tool = settings.sshKeygenPath
        // Which principal does the file give the signature's key? (git runs the same two steps.)
        let found = try run(tool, ["-Y", "find-principals", "-s", signatureFile, "-f", signersFile], scratch: scratch)
        let principal =
            found.status == 0
            ? found.stdout.split(separator: "\n").map { $0.trimmingWhitespace() }.first { !$0.isEmpty }
            : nil
        if let principal {
            let verified = try run(
                tool, ["-Y", "verify", "-f", signersFile, "-I", principal, "-n", "git", "-s", signatureFile],
                stdinFile: payloadFile, scratch: scratch)
            let key = Self.fingerprint(verified.stdout + verified.stderr)
            if verified.status == 0 {
                return SignatureVerdict(
                    state: .trusted, format: .ssh, signer: principal, key: key,
                    reason: "good signature by \(principal) in \(signers.file)")
            }
            return SignatureVerdict(
                state: .invalidSignature, format: .ssh, key: key,
                reason: "the signature does not match the commit (changed after signing?) or the key "
                    + "is not valid for git signatures in \(signers.file): \(Self.firstLine(verified))")
        }
        // Not listed: is it at least a correct signature (then the key is merely unknown)?
        let checked = try run(
            tool, ["-Y", "check-novalidate", "-n", "git", "-s", signatureFile], stdinFile: payloadFile,
            scratch: scratch)
        let key = Self.fingerprint(checked.stdout + checked.stderr)
        if checked.status == 0 {
            return SignatureVerdict(
                state: .unknownKey, format: .ssh, key: key,
                reason: "signed by a key that \(signers.file) does not list")
        }
        return SignatureVerdict(
            state: .invalidSignature, format: .ssh, key: key,
            reason: "the signature does not match the commit: \(Self.firstLine(checked))")
    }

    private func verifyOpenPGP(_ signature: GitCommitSignature, keyring: String) throws -> SignatureVerdict {
        let scratch = try Subprocess.ScratchDirectory()
        let signatureFile = try scratch.write("signature.asc", Array(signature.signature.utf8))
        let payloadFile = try scratch.write("payload", signature.signedData)
        // gpgv's own home directory is the scratch one, so it neither reads nor writes the daemon's ~/.gnupg.
        let output = try run(
            settings.gpgvPath,
            [
                "--homedir", scratch.path, "--keyring", keyring, "--status-fd", "1",
                signatureFile, payloadFile,
            ], scratch: scratch)
        var goodSignature: String?
        var fingerprint: String?
        var missingKey = false
        var bad = false
        for line in output.stdout.split(separator: "\n") where line.hasPrefix("[GNUPG:] ") {
            let fields = line.dropFirst("[GNUPG:] ".count).split(separator: " ", maxSplits: 2).map(String.init)
            switch fields.first {
            case "GOODSIG": goodSignature = fields.count > 2 ? fields[2] : (fields.count > 1 ? fields[1] : "")
            case "VALIDSIG": fingerprint = fields.count > 1 ? fields[1] : nil
            case "BADSIG": bad = true
            case "NO_PUBKEY": missingKey = true
            case "ERRSIG": if fingerprint == nil, fields.count > 1 { fingerprint = fields[1] }
            default: break
            }
        }
        if output.status == 0, !bad, let signer = goodSignature {
            return SignatureVerdict(
                state: .trusted, format: .openpgp, signer: signer, key: fingerprint,
                reason: "good OpenPGP signature in \(keyring)")
        }
        if missingKey {
            return SignatureVerdict(
                state: .unknownKey, format: .openpgp, key: fingerprint,
                reason: "signed by an OpenPGP key that \(keyring) does not hold")
        }
        return SignatureVerdict(
            state: .invalidSignature, format: .openpgp, key: fingerprint,
            reason: "the OpenPGP signature does not match the commit: \(Self.firstLine(output))")
    }

    private func run(
        _ tool: String, _ arguments: [String], stdinFile: String? = nil,
        scratch: Subprocess.ScratchDirectory
    ) throws -> Subprocess.Output {
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            throw Failure(
                description: "\(tool) is not an executable file (install OpenSSH's ssh-keygen / GnuPG's gpgv)")
        }
        do {
            return try Subprocess.run(
                tool, arguments, stdinFile: stdinFile, in: scratch, timeout: settings.verifierTimeout)
        } catch {
            throw Failure(description: "verifying a signature: \(error)")
        }
    }

    /// `SHA256:…` from ssh-keygen's "Good "git" signature … with ED25519 key SHA256:…".
    static func fingerprint(_ text: String) -> String? {
        guard let range = text.range(ofText: "SHA256:") else { return nil }
        let tail = text[range.upperBound...].prefix {
            $0.isLetter || $0.isNumber || $0 == "+" || $0 == "/" || $0 == "="
        }
        return tail.isEmpty ? nil : "SHA256:" + tail
    }

    /// The tool's first line of explanation, with the scratch paths it may quote left out.
    static func firstLine(_ output: Subprocess.Output) -> String {
        let text =
            (output.stderr + "\n" + output.stdout).split(separator: "\n")
            .map { $0.trimmingWhitespace() }.first { !$0.isEmpty } ?? "exit status \(output.status)"
        return text.containsText("enginesync-verify-") ? "exit status \(output.status)" : text
    }
}
