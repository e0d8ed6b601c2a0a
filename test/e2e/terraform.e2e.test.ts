/**
 * Terraform against the built emulator, as a user would run it: `node dist/src/emulator/standalone.js
 * --memory` with generated SigV4 credentials, a standalone XKS proxy for the external key store,
 * and the hashicorp/aws provider installed only from a local filesystem mirror (nothing is
 * downloaded). One configuration holds every aws_kms_* resource of the provider and the data
 * sources: `terraform init`, `apply`, a second `plan -detailed-exitcode` that must find no
 * changes, and `destroy`, each checked through the outputs and the AWS SDK.
 *
 * Terraform runs the provider the way its own acceptance tests do: every command after `init`
 * reattaches (TF_REATTACH_PROVIDERS) to provider processes started once in debug mode, one per
 * Region, instead of starting its own several times per command (startDebugProvider). The
 * providers' logging is off and their garbage collector runs less often (QUIET_PROVIDER, LESS_GC).
 *
 * Cost on the shared 2-core machine under the same load from other work (load average 8 to 10;
 * terraform 1.11.4, hashicorp/aws 5.100.0), wall / CPU of terraform and its providers:
 *
 *   command   before          after
 *   init       1.3 s / 0.8 s    2.7 s / 1.5 s   (installs the provider twice, see WEST_SOURCE)
 *   apply     66.5 s / 32.5 s  42.5 s / 21.6 s
 *   plan      37.8 s / 23.8 s  22.7 s / 19.1 s
 *   destroy   75.3 s / 47.8 s  43.4 s / 32.4 s
 *   the file  214 s           124 to 144 s (jest, build check and database template included)
 *
 * Most of what is left is the provider's own work per call (about 14 s of CPU for a plan that
 * reads 15 resources and 9 data sources; its trace log shows it building resource schemas
 * hundreds of times per command), plus its
 * eventual-consistency waits, which no configuration choice here avoids (an imported key's
 * valid_to is polled 5 times 2 s apart, then its replica's: 18 s of the apply; a key's rotation
 * 5 times a second apart; a key policy again on destroy); the emulator answers in milliseconds.
 *
 * What it found: `GetKeyRotationStatus` refused RSA, ECC and HMAC keys, which the provider
 * reads for every key of origin AWS_KMS, so any asymmetric or HMAC `aws_kms_key` failed to
 * apply; and `aws_kms_grant` with a constraint sends the unset one as an empty map, which the
 * emulator kept as a real constraint (EncryptionContextEquals {}), so the grant never matched.
 *
 * Needs `terraform` on PATH (or TERRAFORM_BIN) and a mirror holding hashicorp/aws for this
 * platform (TF_AWS_PROVIDER_MIRROR, else ~/.terraform.d/plugins, /opt/tf-plugins,
 * /usr/share/terraform/plugins, /usr/local/share/terraform/plugins); without them the suite
 * is skipped under a name that says what is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import {
  InMemoryXksKeyVault,
  InMemoryXksStores,
  startStandaloneXksProxy,
  type StandaloneXksProxy,
} from '../../src/xks/standalone-proxy.js';
import { buildOnce, ROOT } from '../support/build-once.js';
import { freePort } from '../support/free-port.js';

const TERRAFORM = process.env.TERRAFORM_BIN ?? 'terraform';
/**
 * eu-west-1 resources use the same hashicorp/aws binary under a second source address. Each
 * address gets its own debug-mode provider process (see startDebugProvider); a single process
 * serving both Regions as `aws` and `aws.west` does not work: a provider process keeps one
 * configuration, the last one Terraform sent, so every us-east-1 resource was looked up in eu-west-1.
 */
const EAST_SOURCE = 'registry.terraform.io/hashicorp/aws';
const WEST_SOURCE = 'opencckm.test/hashicorp/aws';
const ACCOUNT = '424242424242';
const XKS_ENDPOINT = 'https://xks.example.com';
const XKS_ACCESS_KEY = 'TFXKSACCESSKEY234567';
const XKS_SECRET = randomBytes(33).toString('base64');
/** 32 bytes of AES key material, imported by aws_kms_external_key and its replica. */
const MATERIAL = randomBytes(32).toString('base64');

const PLATFORM = `${process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`;

interface Mirror {
  dir: string;
  version: string;
}

/** The hashicorp/aws versions a filesystem mirror holds for this platform, packed or unpacked. */
function awsProviderIn(dir: string): Mirror | undefined {
  const base = path.join(dir, EAST_SOURCE);
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).flatMap((entry) => {
    if (existsSync(path.join(base, entry, PLATFORM))) return [entry];
    const packed = new RegExp(`^terraform-provider-aws_(\\d+\\.\\d+\\.\\d+)_${PLATFORM}\\.zip$`).exec(entry);
    return packed ? [packed[1]!] : [];
  });
  const newest = versions.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1);
  return newest ? { dir, version: newest } : undefined;
}

function findMirror(): Mirror | undefined {
  const candidates = [
    process.env.TF_AWS_PROVIDER_MIRROR,
    path.join(homedir(), '.terraform.d/plugins'),
    '/opt/tf-plugins',
    '/usr/share/terraform/plugins',
    '/usr/local/share/terraform/plugins',
  ];
  for (const dir of candidates) {
    const found = dir ? awsProviderIn(dir) : undefined;
    if (found) return found;
  }
  return undefined;
}

const terraformVersion = spawnSync(TERRAFORM, ['version'], { encoding: 'utf8' });
const mirror = findMirror();
const missing = [
  ...(terraformVersion.status === 0 ? [] : [`terraform (${TERRAFORM}) is not installed or does not run`]),
  ...(mirror ? [] : ['no filesystem mirror holds hashicorp/aws for this platform (set TF_AWS_PROVIDER_MIRROR)']),
];
if (missing.length > 0) console.warn(`TERRAFORM E2E SKIPPED: ${missing.join('; ')}`);

/** A mirror in `work` that offers the mirror's hashicorp/aws as WEST_SOURCE too (a symbolic link, packed or not). */
function linkWestMirror(work: string, found: Mirror): string {
  const dir = path.join(work, 'mirror');
  const entry = existsSync(path.join(found.dir, EAST_SOURCE, found.version, PLATFORM))
    ? path.join(found.version, PLATFORM)
    : `terraform-provider-aws_${found.version}_${PLATFORM}.zip`;
  mkdirSync(path.dirname(path.join(dir, WEST_SOURCE, entry)), { recursive: true });
  symlinkSync(path.join(found.dir, EAST_SOURCE, entry), path.join(dir, WEST_SOURCE, entry));
  return dir;
}

/** The provider block for one Region; credentials are checked (sts:GetCallerIdentity) against the emulator. */
function providerBlock(name: string, region: string, endpoint: string, key: { id: string; secret: string }): string {
  return `
provider "${name}" {
  region                  = "${region}"
  access_key              = "${key.id}"
  secret_key              = "${key.secret}"
  skip_metadata_api_check = true
  skip_region_validation  = true
  endpoints {
    kms = "${endpoint}"
    sts = "${endpoint}"
  }
}`;
}

/**
 * Every aws_kms_* resource of the provider and its KMS data sources (not aws_kms_secret, removed
 * from the provider long ago, nor the ephemeral aws_kms_secrets, whose values cannot be output),
 * with outputs the test checks.
 */
function configuration(version: string, endpoint: string, key: { id: string; secret: string }): string {
  return `
terraform {
  required_providers {
    aws     = { source = "${EAST_SOURCE}", version = "${version}" }
    awswest = { source = "${WEST_SOURCE}", version = "${version}" }
  }
}
${providerBlock('aws', 'us-east-1', endpoint, key)}
${providerBlock('awswest', 'eu-west-1', endpoint, key)}

data "aws_caller_identity" "me" {}

resource "aws_kms_key" "symmetric" {
  description             = "terraform symmetric"
  deletion_window_in_days = 7
  enable_key_rotation     = true
  rotation_period_in_days = 90
  tags                    = { team = "blue", env = "e2e" }
}

resource "aws_kms_key" "rsa_sign" {
  description              = "terraform rsa"
  customer_master_key_spec = "RSA_2048"
  key_usage                = "SIGN_VERIFY"
  deletion_window_in_days  = 7
}

resource "aws_kms_key" "ecc" {
  description              = "terraform ecc"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
  deletion_window_in_days  = 7
}

resource "aws_kms_key" "hmac" {
  description              = "terraform hmac"
  customer_master_key_spec = "HMAC_256"
  key_usage                = "GENERATE_VERIFY_MAC"
  deletion_window_in_days  = 7
}

resource "aws_kms_key" "multi_region" {
  description             = "terraform multi-Region"
  multi_region            = true
  deletion_window_in_days = 7
}

resource "aws_kms_replica_key" "west" {
  provider                = awswest
  description             = "terraform replica"
  primary_key_arn         = aws_kms_key.multi_region.arn
  deletion_window_in_days = 7
}

resource "aws_kms_key" "with_policy" {
  description             = "terraform key policy"
  deletion_window_in_days = 7
}

resource "aws_kms_key_policy" "with_policy" {
  key_id = aws_kms_key.with_policy.id
  policy = jsonencode({
    Version = "2012-10-17"
    Id      = "terraform"
    Statement = [{
      Sid       = "root"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::\${data.aws_caller_identity.me.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_kms_alias" "symmetric" {
  name          = "alias/terraform-e2e"
  target_key_id = aws_kms_key.symmetric.key_id
}

resource "aws_kms_grant" "symmetric" {
  name              = "terraform-grant"
  key_id            = aws_kms_key.symmetric.key_id
  grantee_principal = "arn:aws:iam::\${data.aws_caller_identity.me.account_id}:role/terraform-e2e"
  operations        = ["Encrypt", "Decrypt", "GenerateDataKey"]
  constraints {
    encryption_context_subset = { app = "e2e" }
  }
}

# enabled = true: without it the provider disables an imported key after the import.
resource "aws_kms_external_key" "imported" {
  description             = "terraform imported"
  key_material_base64     = "${MATERIAL}"
  multi_region            = true
  enabled                 = true
  deletion_window_in_days = 7
}

resource "aws_kms_replica_external_key" "west" {
  provider                = awswest
  description             = "terraform imported replica"
  primary_key_arn         = aws_kms_external_key.imported.arn
  key_material_base64     = "${MATERIAL}"
  enabled                 = true
  deletion_window_in_days = 7
}

resource "aws_kms_custom_key_store" "xks" {
  custom_key_store_name  = "terraform-xks"
  custom_key_store_type  = "EXTERNAL_KEY_STORE"
  xks_proxy_connectivity = "PUBLIC_ENDPOINT"
  xks_proxy_uri_endpoint = "${XKS_ENDPOINT}"
  xks_proxy_uri_path     = "/kms/xks/v1"
  xks_proxy_authentication_credential {
    access_key_id         = "${XKS_ACCESS_KEY}"
    raw_secret_access_key = "${XKS_SECRET}"
  }
}

resource "aws_kms_ciphertext" "secret" {
  key_id    = aws_kms_alias.symmetric.name
  plaintext = "hello from terraform"
  context   = { app = "e2e" }
}

# Sealed under the imported material in eu-west-1, opened in us-east-1 below.
resource "aws_kms_ciphertext" "from_replica" {
  provider  = awswest
  key_id    = aws_kms_replica_external_key.west.arn
  plaintext = "sealed in eu-west-1"
}

# A data source encrypts anew on every read; its plaintext is what stays the same.
data "aws_kms_ciphertext" "read_time" {
  key_id    = aws_kms_key.symmetric.key_id
  plaintext = "from a data source"
  context   = { app = "e2e" }
}

data "aws_kms_key" "by_alias" {
  key_id = aws_kms_alias.symmetric.name
}

data "aws_kms_alias" "symmetric" {
  name = aws_kms_alias.symmetric.name
}

data "aws_kms_public_key" "rsa" {
  key_id = aws_kms_key.rsa_sign.arn
}

data "aws_kms_custom_key_store" "xks" {
  custom_key_store_id = aws_kms_custom_key_store.xks.id
}

data "aws_kms_secrets" "round_trip" {
  secret {
    name    = "greeting"
    payload = aws_kms_ciphertext.secret.ciphertext_blob
    context = { app = "e2e" }
  }
  secret {
    name    = "from_replica"
    payload = aws_kms_ciphertext.from_replica.ciphertext_blob
  }
  secret {
    name    = "read_time"
    payload = data.aws_kms_ciphertext.read_time.ciphertext_blob
    context = { app = "e2e" }
  }
}

output "account" { value = data.aws_caller_identity.me.account_id }
output "keys" {
  value = {
    symmetric = aws_kms_key.symmetric.key_id, rsa = aws_kms_key.rsa_sign.key_id, ecc = aws_kms_key.ecc.key_id,
    hmac = aws_kms_key.hmac.key_id, multi_region = aws_kms_key.multi_region.key_id, with_policy = aws_kms_key.with_policy.key_id,
    imported = aws_kms_external_key.imported.id
  }
}
output "symmetric_arn" { value = aws_kms_key.symmetric.arn }
output "key_by_alias" { value = data.aws_kms_key.by_alias.arn }
output "alias_target" { value = data.aws_kms_alias.symmetric.target_key_arn }
output "public_key_pem" { value = data.aws_kms_public_key.rsa.public_key_pem }
output "public_key_spec" { value = data.aws_kms_public_key.rsa.customer_master_key_spec }
output "replica_arn" { value = aws_kms_replica_key.west.arn }
output "replica_external_arn" { value = aws_kms_replica_external_key.west.arn }
output "grant_id" { value = aws_kms_grant.symmetric.grant_id }
output "xks_store" { value = [data.aws_kms_custom_key_store.xks.id, data.aws_kms_custom_key_store.xks.connection_state] }
output "greeting" {
  value     = data.aws_kms_secrets.round_trip.plaintext["greeting"]
  sensitive = true
}
output "from_replica" {
  value     = data.aws_kms_secrets.round_trip.plaintext["from_replica"]
  sensitive = true
}
output "read_time" {
  value     = data.aws_kms_secrets.round_trip.plaintext["read_time"]
  sensitive = true
}
`;
}

interface Run {
  code: number | null;
  output: string;
}

/**
 * A debug-mode provider writes trace logs of every call to its own stderr (megabytes per
 * command, about a fifth of its CPU) unless each of its loggers is switched off: TF_LOG alone
 * does not silence them.
 */
const QUIET_PROVIDER = Object.fromEntries(
  [
    'TF_LOG',
    'TF_LOG_PROVIDER',
    'TF_LOG_SDK',
    'TF_LOG_SDK_PROTO',
    'TF_LOG_SDK_MUX',
    'TF_LOG_SDK_FRAMEWORK',
    'TF_LOG_SDK_HELPER_SCHEMA',
    'TF_LOG_SDK_HELPER_RESOURCE',
  ].map((v) => [v, 'off']),
);

/**
 * The provider allocates hundreds of megabytes per command around a live heap of about 50 MB,
 * so Go's default GOGC=100 collects every few dozen megabytes. Collecting at five times the
 * live heap (capped at 1.5 GiB) cut its CPU by about a sixth; GOGC=1000 showed no clear further gain.
 */
const LESS_GC = { GOGC: '400', GOMEMLIMIT: '1536MiB' };

/** A provider process started once in debug mode; Terraform reattaches to it instead of spawning its own. */
interface DebugProvider {
  process: ChildProcess;
  /** Its entry in TF_REATTACH_PROVIDERS: provider address → how to reach the process. */
  reattach: Record<string, unknown>;
}

/**
 * Starts the provider binary that `terraform init` installed into `work` for `source` with
 * `-debug`, and reads the TF_REATTACH_PROVIDERS value it prints. Without it Terraform starts
 * a provider process per provider configuration several times per command (validate, plan,
 * apply), each loading the provider (about a second of CPU). The socket goes into `work`
 * (TMPDIR), so removing the work dir removes it.
 */
async function startDebugProvider(work: string, source: string, version: string): Promise<DebugProvider> {
  const dir = path.join(work, '.terraform/providers', source, version, PLATFORM);
  const binary = readdirSync(dir).find((f) => f.startsWith('terraform-provider-aws'));
  if (!binary) throw new Error(`terraform init installed no provider binary in ${dir}`);
  const child = spawn(path.join(dir, binary), ['-debug'], {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: work,
      TMPDIR: work,
      AWS_EC2_METADATA_DISABLED: 'true',
      ...LESS_GC,
      ...QUIET_PROVIDER,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
  const until = Date.now() + 60_000;
  for (;;) {
    const line = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(stdout);
    if (line) {
      // the binary names itself registry.terraform.io/hashicorp/aws whatever address it was installed under
      const [config] = Object.values(JSON.parse(line[1]!) as Record<string, unknown>);
      return { process: child, reattach: { [source]: config } };
    }
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`the provider did not start in debug mode:\n${stdout}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

(missing.length > 0 ? describe.skip : describe)(
  missing.length > 0
    ? `terraform e2e SKIPPED: ${missing.join('; ')}`
    : `terraform e2e: hashicorp/aws ${mirror?.version} against the built emulator`,
  () => {
    const key = {
      id: `AKIA${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`,
      secret: randomBytes(30).toString('base64'),
    };
    let work: string;
    let emulator: ChildProcess | undefined;
    let emulatorLog = '';
    let proxy: StandaloneXksProxy | undefined;
    let endpoint: string;
    let east: KMSClient;
    let west: KMSClient;
    /** `terraform output -json` after apply: name → value. */
    let outputs: Record<string, unknown> = {};

    let providers: Promise<DebugProvider[]> | undefined;

    /**
     * Runs terraform in the work dir (asynchronously: the XKS proxy answers from this process).
     * `init` installs the provider from the mirror as usual; every later command reattaches to
     * the debug-mode provider processes started, once, from what init installed.
     */
    const terraform = async (...args: string[]): Promise<Run> => {
      if (args[0] !== 'init')
        providers ??= Promise.all(
          [EAST_SOURCE, WEST_SOURCE].map((source) => startDebugProvider(work, source, mirror!.version)),
        );
      const reattach =
        args[0] === 'init'
          ? undefined
          : JSON.stringify(Object.assign({}, ...(await providers)!.map((p) => p.reattach)));
      return new Promise((resolve, reject) => {
        const child = spawn(TERRAFORM, [...args, '-no-color'], {
          cwd: work,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: work,
            TF_CLI_CONFIG_FILE: path.join(work, 'cli.tfrc'),
            TF_IN_AUTOMATION: '1',
            TF_INPUT: '0',
            CHECKPOINT_DISABLE: '1',
            AWS_EC2_METADATA_DISABLED: 'true',
            ...(reattach ? { TF_REATTACH_PROVIDERS: reattach } : {}),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr.on('data', (d: Buffer) => (output += d.toString()));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, output }));
      });
    };
    /** The run's exit code, with its output attached when it is not the expected one. */
    const exitOf = (run: Run) => ({ code: run.code, ...(run.code === 0 ? {} : { output: run.output.slice(-6000) }) });

    beforeAll(async () => {
      await buildOnce();
      work = mkdtempSync(path.join(tmpdir(), 'opencckm-terraform-'));
      const stores = new InMemoryXksStores();
      stores.put('default', {
        region: 'us-east-1',
        credentials: [{ accessKeyId: XKS_ACCESS_KEY, secretAccessKey: XKS_SECRET }],
        blocked: false,
        ownerAccount: ACCOUNT,
      });
      proxy = await startStandaloneXksProxy({ stores, vault: new InMemoryXksKeyVault() });
      const port = await freePort();
      endpoint = `http://127.0.0.1:${port}`;
      emulator = spawn(process.execPath, [path.join(ROOT, 'dist/src/emulator/standalone.js'), '--memory'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          CCKM_DATA_DIR: work,
          EMULATOR_PORT: String(port),
          EMULATOR_HOST: '127.0.0.1',
          EMULATOR_ACCOUNT_ID: ACCOUNT,
          EMULATOR_CREDENTIALS: `${key.id}:${key.secret}:${ACCOUNT}`,
          EMULATOR_XKS_ENDPOINTS: `${XKS_ENDPOINT}=${proxy.baseUrl}`,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      emulator.stdout!.on('data', (d: Buffer) => (emulatorLog += d.toString()));
      emulator.stderr!.on('data', (d: Buffer) => (emulatorLog += d.toString()));
      const until = Date.now() + 60_000;
      while (!emulatorLog.includes('listening on')) {
        if (emulator.exitCode !== null || Date.now() > until)
          throw new Error(`the emulator did not start:\n${emulatorLog}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      writeFileSync(
        path.join(work, 'cli.tfrc'),
        `provider_installation {\n${[
          [mirror!.dir, EAST_SOURCE],
          [linkWestMirror(work, mirror!), WEST_SOURCE],
        ]
          .map(([dir, source]) => `  filesystem_mirror {\n    path    = "${dir}"\n    include = ["${source}"]\n  }\n`)
          .join('')}}\n`,
      );
      writeFileSync(path.join(work, 'main.tf'), configuration(mirror!.version, endpoint, key));
      const credentials = { accessKeyId: key.id, secretAccessKey: key.secret };
      east = new KMSClient({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });
      west = new KMSClient({ region: 'eu-west-1', endpoint, credentials, maxAttempts: 1 });
    }, 360_000);

    afterAll(async () => {
      east?.destroy();
      west?.destroy();
      for (const { process: child } of (await providers?.catch(() => undefined)) ?? []) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
      if (emulator && emulator.exitCode === null && emulator.signalCode === null) {
        emulator.kill('SIGKILL');
        await new Promise((r) => emulator!.once('exit', r));
      }
      await proxy?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    }, 60_000);

    test('init installs hashicorp/aws from the local mirror only', async () => {
      const run = await terraform('init', '-input=false');
      expect(exitOf(run)).toEqual({ code: 0 });
      expect(run.output).toContain(`Installing hashicorp/aws v${mirror!.version}`);
      expect(run.output).toContain('Terraform has been successfully initialized!');
    }, 120_000);

    test('apply creates every resource; the outputs and the emulator agree', async () => {
      const run = await terraform('apply', '-auto-approve', '-input=false');
      expect(exitOf(run)).toEqual({ code: 0 });
      expect(run.output).toMatch(/Apply complete! Resources: 15 added, 0 changed, 0 destroyed\./);
      const out = await terraform('output', '-json');
      outputs = Object.fromEntries(
        Object.entries(JSON.parse(out.output) as Record<string, { value: unknown }>).map(([k, v]) => [k, v.value]),
      );
      const keys = outputs.keys as Record<string, string>;

      // Data sources read back what the resources made; Decrypt opens both ciphertexts.
      expect(outputs).toMatchObject({
        account: ACCOUNT,
        key_by_alias: outputs.symmetric_arn,
        alias_target: outputs.symmetric_arn,
        public_key_spec: 'RSA_2048',
        greeting: 'hello from terraform',
        from_replica: 'sealed in eu-west-1',
        read_time: 'from a data source',
      });
      expect(createPublicKey(outputs.public_key_pem as string).asymmetricKeyDetails?.modulusLength).toBe(2048);

      // The emulator holds what Terraform asked for.
      expect(await east.send(new GetKeyRotationStatusCommand({ KeyId: keys.symmetric }))).toMatchObject({
        KeyRotationEnabled: true,
        RotationPeriodInDays: 90,
      });
      for (const k of [keys.rsa, keys.ecc, keys.hmac]) {
        expect((await east.send(new GetKeyRotationStatusCommand({ KeyId: k }))).KeyRotationEnabled).toBe(false);
      }
      expect((await east.send(new ListResourceTagsCommand({ KeyId: keys.symmetric }))).Tags).toEqual([
        { TagKey: 'env', TagValue: 'e2e' },
        { TagKey: 'team', TagValue: 'blue' },
      ]);
      // the provider sends the unset constraint as an empty map; the grant must still work for its context
      const grants = (await east.send(new ListGrantsCommand({ KeyId: keys.symmetric }))).Grants!;
      expect(grants).toEqual([
        expect.objectContaining({
          GrantId: outputs.grant_id,
          Name: 'terraform-grant',
          Constraints: { EncryptionContextSubset: { app: 'e2e' } },
        }),
      ]);
      expect(JSON.parse((await east.send(new GetKeyPolicyCommand({ KeyId: keys.with_policy }))).Policy!).Id).toBe(
        'terraform',
      );
      const imported = (await east.send(new DescribeKeyCommand({ KeyId: keys.imported }))).KeyMetadata!;
      expect([
        imported.Origin,
        imported.KeyState,
        imported.MultiRegionConfiguration?.ReplicaKeys?.map((r) => r.Region),
      ]).toEqual(['EXTERNAL', 'Enabled', ['eu-west-1']]);
      const replica = (await west.send(new DescribeKeyCommand({ KeyId: outputs.replica_arn as string }))).KeyMetadata!;
      expect([replica.KeyState, replica.MultiRegionConfiguration?.MultiRegionKeyType]).toEqual(['Enabled', 'REPLICA']);
      const stores = (await east.send(new DescribeCustomKeyStoresCommand({}))).CustomKeyStores!;
      expect(stores.map((s) => [s.CustomKeyStoreId, s.CustomKeyStoreName, s.ConnectionState])).toEqual([
        [(outputs.xks_store as string[])[0], 'terraform-xks', 'DISCONNECTED'],
      ]);
    }, 600_000);

    test('a second plan finds no changes (exit code 0)', async () => {
      const run = await terraform('plan', '-detailed-exitcode', '-input=false');
      expect(exitOf(run)).toEqual({ code: 0 });
      expect(run.output).toContain('No changes. Your infrastructure matches the configuration.');
    }, 300_000);

    test('destroy removes everything: keys pending deletion, no alias, grant or key store left', async () => {
      // The plan above has just read every resource back and found them as configured; a
      // destroy that read them all again would only repeat it (a plan's worth of provider CPU).
      const run = await terraform('destroy', '-auto-approve', '-input=false', '-refresh=false');
      expect(exitOf(run)).toEqual({ code: 0 });
      expect(run.output).toContain('Destroy complete! Resources: 15 destroyed.');
      for (const client of [east, west]) {
        const ids = (await client.send(new ListKeysCommand({}))).Keys!.map((k) => k.KeyId!);
        const states = await Promise.all(
          ids.map(async (id) => (await client.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.KeyState),
        );
        // a primary waits in PendingReplicaDeletion while its replicas are pending deletion
        expect(states.filter((s) => s !== 'PendingDeletion' && s !== 'PendingReplicaDeletion')).toEqual([]);
      }
      expect((await east.send(new ListAliasesCommand({}))).Aliases!.map((a) => a.AliasName)).not.toContain(
        'alias/terraform-e2e',
      );
      expect(
        (await east.send(new ListGrantsCommand({ KeyId: (outputs.keys as Record<string, string>).symmetric }))).Grants,
      ).toEqual([]);
      expect((await east.send(new DescribeCustomKeyStoresCommand({}))).CustomKeyStores).toEqual([]);
    }, 300_000);
  },
);
