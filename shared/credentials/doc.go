// Package credentials is where the keys the functions sign with come from:
// one [Value] type for an Alibaba Cloud access key pair (optionally
// temporary, with its security token and expiry) and one [Provider]
// interface for every source of them, in the shape of minio-go's
// pkg/credentials.
//
// # Providers
//
//   - [Static]: fixed credentials (a RAM user's key, the local stack's root
//     identity).
//   - [Invocation]: the credentials Function Compute passes with each
//     invocation (the function role's, always fresh). The FC adapter,
//     shared/fcrun, stores them in the invocation's context with
//     [NewContext]; outside an invocation there are none.
//   - [DefaultChain]: github.com/aliyun/credentials-go's default chain:
//     ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN (what FC sets
//     for the function role), OIDC, the aliyun CLI profile, the shared
//     credentials file, ECS instance metadata, ALIBABA_CLOUD_CREDENTIALS_URI
//     (reference/fc3.md §4.4). It reads the environment, so only the
//     function's start-up code (shared/app.Run, called by main) builds one.
//   - [Chain]: the first of several providers that yields.
//
// A function in FC signs with Chain{Invocation{}, NewDefaultChain()}; the
// local stack with a Static root identity. Consumers (the sts AssumeRole
// client, the api signing handlers) take a Provider and ask it once per
// use, so rotating credentials are picked up.
//
// # Secrets
//
// [Value]'s String and LogValue show the access key ID and expiry only;
// errors of the providers here never contain a secret or a token.
//
// # What it deliberately does not do
//
// It does not cache: FC hands fresh credentials to every invocation and
// credentials-go caches (and refreshes) its own. It does not sign
// anything: shared/signing takes the key pair as plain values and never
// learns where it came from.
package credentials
