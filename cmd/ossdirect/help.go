package main

import (
	"fmt"
	"io"
	"strings"
)

// specs is every command's help, in the order the top-level help lists
// them. docs/CLI.md is the long form.
var specs = []*spec{
	{
		name:     "sign post",
		summary:  "sign a PostObject policy (V1 or V4) for a browser form upload",
		usage:    "--version v1|v4 --access-key-secret SECRET (--policy-base64 B64 | --policy-file FILE) [--region REGION --date DATE] [flags]",
		required: []string{"version", "access-key-secret"},
		notes:    "V4 also needs --region and --date. The policy is signed exactly as given. Prints {\"policy\",\"signature\"}.",
		examples: []string{
			"ossdirect sign post --version v4 --access-key-id AK --access-key-secret SK --region cn-hangzhou --date 20231203T121212Z --policy-file policy.json",
			"ossdirect sign post --version v1 --access-key-secret SK --policy-base64 eyJleHBpcmF0aW9uIjoi…",
		},
	},
	{
		name:     "sign request",
		summary:  "sign a request in its Authorization header (V1 or V4)",
		usage:    "--version v1|v4 --method METHOD --bucket BUCKET [--key KEY] --access-key-id AK --access-key-secret SECRET --header 'x-oss-date: …' [flags]",
		required: []string{"version", "method", "bucket", "access-key-id", "access-key-secret"},
		notes: "The signing time is the request's own header: x-oss-date (V4, 20231203T121212Z) or Date (V1, an HTTP date;\n" +
			"x-oss-date in that form when there is no Date). V4 also needs --region. Prints {\"stringToSign\",\"authorization\"} (V4: and \"canonicalRequest\").",
		examples: []string{
			"ossdirect sign request --version v4 --method PUT --bucket B --key photos/cat.png --access-key-id AK --access-key-secret SK --region cn-hangzhou --header 'x-oss-date: 20231203T121212Z' --header 'Content-Type: image/png'",
			"ossdirect sign request --version v1 --method GET --bucket B --key photos/cat.png --access-key-id AK --access-key-secret SK --header 'Date: Sun, 03 Dec 2023 12:12:12 GMT' --explain",
		},
	},
	{
		name:     "sign url",
		summary:  "presign a URL (V1 or V4)",
		usage:    "--version v1|v4 --method METHOD --bucket BUCKET [--key KEY] --host HOST --time TIME (--expires SECONDS | --expiration UNIX) --access-key-id AK --access-key-secret SECRET [flags]",
		required: []string{"version", "method", "bucket", "host", "time", "access-key-id", "access-key-secret"},
		notes:    "V4 also needs --region. Prints {\"url\",\"signedHeaders\",\"stringToSign\"}: the client sends signedHeaders with the URL, byte for byte.",
		examples: []string{
			"ossdirect sign url --version v4 --method PUT --bucket B --key photos/cat.png --host oss-cn-hangzhou.aliyuncs.com --access-key-id AK --access-key-secret SK --region cn-hangzhou --time 2023-12-03T12:12:12Z --expires 600 --header 'Content-Type: image/png'",
			"ossdirect sign url --version v1 --method GET --bucket dev-bucket --key a.txt --host 127.0.0.1:9000 --scheme http --access-key-id AK --access-key-secret SK --time 1701605532 --expires 300",
		},
	},
	{
		name:     "verify callback",
		summary:  "verify the signature of an OSS upload callback",
		usage:    "--request-uri URI --body-file FILE --authorization SIG --pub-key-url B64URL [--pub-key-file PEM] [flags]",
		required: []string{"request-uri", "body-file", "authorization", "pub-key-url"},
		notes: "Prints {\"valid\":true} and exits 0, or {\"valid\":false,\"reason\":…} and exits 1. Without --pub-key-file the key is fetched\n" +
			"only from gosspublic.alicdn.com (or a --key-url-prefix), without redirects, within 5 s.",
		examples: []string{
			"ossdirect verify callback --request-uri '/callback?x=1' --body-file body.txt --authorization \"$AUTHORIZATION\" --pub-key-url \"$X_OSS_PUB_KEY_URL\"",
			"ossdirect verify callback --request-uri /callback --body-file body.txt --authorization \"$AUTHORIZATION\" --pub-key-url \"$X_OSS_PUB_KEY_URL\" --pub-key-file oss_pub.pem",
		},
	},
	{
		name:     "explain",
		summary:  "say why OSS answered SignatureDoesNotMatch: what your signature covered that OSS did not see, or the other way round",
		usage:    "--error FILE --method METHOD --url URL [--header 'Name: value']... [--access-key-secret SECRET] [flags]",
		required: []string{"error", "method", "url"},
		notes: "--error is the XML body of OSS's 403 (\"-\" reads stdin); --method, --url and --header are the request that got it,\n" +
			"Authorization header included (or the presigned URL). With the secret, explain also finds what your signature covers.\n" +
			"Prints {\"version\",\"match\",\"cause\",\"diff\",…}; exits 0 when it found the cause, 1 when not, 2 on bad input.",
		examples: []string{
			"ossdirect explain --error err.xml --method PUT --url 'https://B.oss-cn-hangzhou.aliyuncs.com/photos/cat.png' --header 'Content-Type: image/png' --header 'x-oss-date: 20231203T121212Z' --header 'x-oss-content-sha256: UNSIGNED-PAYLOAD' --header \"Authorization: $AUTH\" --access-key-secret SK",
			"curl -s \"$PRESIGNED_URL\" -X PUT -H 'Content-Type: image/png' -T cat.png | ossdirect explain --error - --method PUT --url \"$PRESIGNED_URL\" --header 'Content-Type: image/png' --explain",
		},
	},
	{
		name:    "dev",
		summary: "run the local stack: the functions' API, the OSS and STS emulators, on loopback",
		usage:   "[flags]",
		notes:   "Prints one JSON line with the endpoints once everything listens; logs go to stderr. Ctrl-C stops it.",
		examples: []string{
			"ossdirect dev",
			"ossdirect dev --addr 127.0.0.1:0 --oss-addr 127.0.0.1:0 --sts-addr 127.0.0.1:0 --data /tmp/ossdirect",
			"ossdirect dev --auth apikey --api-key alice:0123456789abcdef0123",
		},
	},
	{
		name:    "reconcile",
		summary: "deliver the events of uploads whose event never reached WEBHOOK_URL",
		usage:   "[--since 24h] [--profile PROFILE] [--dry-run]",
		notes: "Reads the callback function's environment (OSS_BUCKET, OSS_REGION, WEBHOOK_URL, WEBHOOK_SECRET, …) and credentials from\n" +
			"the default chain. Exits 0 when every upload's event is delivered, 1 when a delivery failed, 2 on a bad flag or variable.",
		examples: []string{
			"ossdirect reconcile --dry-run",
			"ossdirect reconcile --since 2h --profile images",
		},
	},
	{
		name:    "doctor",
		summary: "check a deployment: bucket, clock, signatures, CORS, lifecycle, overwrite rules, STS role, callback URL, mini-program domains",
		usage:   "[--page-origin ORIGIN]... [--function-url URL]... [--callback-url URL] [--json] [--live]",
		notes: "Reads the functions' environment (OSS_BUCKET, OSS_REGION, OSS_ENDPOINT, OSS_UPLOAD_HOST, UPLOAD_PROFILES, STS_ROLE_ARN,\n" +
			"CALLBACK_URL, …) and signs with ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET or the default chain. Prints a checklist (✓ ! ✗ -) with\n" +
			"the fix for each problem, or with --json {\"results\":[{\"id\",\"status\",\"detail\",\"fix\"}],\"ok\"}. Exits 0 when no check\n" +
			"failed, 1 when one did, 2 on a bad flag or variable. docs/DEPLOY.md \"Deploying for real\" explains each check.",
		examples: []string{
			"ossdirect doctor --page-origin https://app.example.com",
			"ossdirect doctor --json --page-origin https://app.example.com --function-url https://api.example.com",
		},
	},
	{
		name:    "setup",
		summary: "write the bucket-side fixes doctor names: CORS rule, lifecycle rules, overwrite protection (keeps existing rules)",
		usage:   "[--page-origin ORIGIN]... [--dry-run]",
		notes: "Same environment as doctor. Reads the bucket's CORS, lifecycle and overwrite rules, adds what is missing (the CORS rule\n" +
			"goes first, since OSS applies the first rule matching an origin; every existing rule is kept) and writes them with the\n" +
			"official OSS SDK. Prints {\"bucket\",\"dryRun\",\"applied\",\"changes\":[{\"config\",\"summary\",\"kept\"}]}.",
		examples: []string{
			"ossdirect setup --page-origin https://app.example.com --dry-run",
			"ossdirect setup --page-origin https://app.example.com",
		},
	},
	{
		name:    "preflight",
		summary: "check a deployment's inputs offline before s deploy; with --after, print the function URLs, CORS rule and mini-program domains",
		usage:   "[--manifest S.YAML] [--after FILE [--page-origin ORIGIN]...]",
		notes: "Reads the inputs from the environment (make deploy: OSS_BUCKET, OSS_REGION, AUTH_MODE, FC_ROLE_ARN, STS_ROLE_ARN,\n" +
			"ALIBABA_CLOUD_ACCOUNT_ID and every variable of docs/CONFIGURATION.md) or from the application template's s.yaml (--manifest).\n" +
			"Prints one line per problem on stderr and exits 1, or {\"ok\":true,…} and exits 0; 2 on a bad flag. Calls no cloud API.",
		examples: []string{
			"ossdirect preflight",
			"ossdirect preflight --manifest s.yaml",
			"s info -o json > deploy.json; ossdirect preflight --after deploy.json --page-origin https://app.example.com",
		},
	},
	{
		name:     "version",
		summary:  "print the version, the commit and whether the tree was modified",
		usage:    "",
		examples: []string{"ossdirect version"},
	},
}

// groups are the two-word commands' first words.
var groups = map[string]string{
	"sign":   "sign OSS requests, URLs and PostObject policies",
	"verify": "verify what OSS sends",
}

// specFor returns the spec of the command called name, or nil.
func specFor(name string) *spec {
	for _, s := range specs {
		if s.name == name {
			return s
		}
	}
	return nil
}

// printUsage writes the top-level help: every command and its summary.
func printUsage(w io.Writer) {
	fmt.Fprint(w, "ossdirect: sign and verify direct uploads to Alibaba Cloud OSS, explain signature errors, run the local stack\n\n")
	fmt.Fprint(w, "usage: ossdirect <command> [flags]\n\ncommands:\n")
	for _, s := range specs {
		fmt.Fprintf(w, "  %-16s %s\n", s.name, s.summary)
	}
	fmt.Fprintf(w, "  %-16s %s\n", "help [command]", "print a command's help")
	fmt.Fprint(w, "\nEvery command prints JSON on stdout (doctor: a checklist, or JSON with --json). Run \"ossdirect <command> --help\" for its flags and examples;\ndocs/CLI.md is the full reference.\n")
}

// printGroup writes the help of a two-word command's first word.
func printGroup(w io.Writer, group string) {
	fmt.Fprintf(w, "ossdirect %s: %s\n\n", group, groups[group])
	for _, s := range specs {
		if strings.HasPrefix(s.name, group+" ") {
			fmt.Fprintf(w, "  %s\n      %s\n", s.usageLine(), s.summary)
		}
	}
	fmt.Fprintf(w, "\nRun \"ossdirect %s <kind> --help\" for the flags and examples.\n", group)
}

// printGroupUsage writes a group's short usage: what a bad two-word
// command shows on stderr.
func printGroupUsage(w io.Writer, group string) {
	fmt.Fprintf(w, "usage: ossdirect %s %s [flags]\nRun \"ossdirect %s --help\" for the kinds, \"ossdirect %s <kind> --help\" for their flags.\n",
		group, strings.ReplaceAll(strings.ReplaceAll(kinds(group), ", ", "|"), " or ", "|"), group, group)
}
