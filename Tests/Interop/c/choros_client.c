/*
 * A Choros client in C, from protoc-c output and libprotobuf-c, signing with libsodium.
 * It proves the wire is plain protobuf in length-prefixed frames any language can speak:
 * it connects to gateway.sock, completes the handshake, reads canon's state, and commits
 * one signed entry (kip_commit), printing one line per step.
 *
 * usage: choros_client GATEWAY_SOCKET KEY_FILE
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "choros/v1/gateway.pb-c.h"
#include "choros/v1/ops.pb-c.h"
#include "choros/v1/wire.pb-c.h"

static int sock = -1;
static uint64_t next_call_id = 1;

static void fail(const char *what) {
    fprintf(stderr, "choros_client: %s\n", what);
    exit(1);
}

static void write_all(const uint8_t *bytes, size_t count) {
    while (count > 0) {
        ssize_t written = write(sock, bytes, count);
        if (written <= 0) fail("write to the gateway failed");
        bytes += written;
        count -= (size_t)written;
    }
}

static void read_all(uint8_t *bytes, size_t count) {
    while (count > 0) {
        ssize_t got = read(sock, bytes, count);
        if (got <= 0) fail("the gateway closed the connection");
        bytes += got;
        count -= (size_t)got;
    }
}

/* One unary call: a REQUEST frame out, its RESPONSE frame back; returns the payload. */
static ProtobufCBinaryData call(const char *method, const ProtobufCMessage *request) {
    Choros__V1__Frame frame = CHOROS__V1__FRAME__INIT;
    frame.call_id = next_call_id++;
    frame.kind = CHOROS__V1__FRAME_KIND__FRAME_KIND_REQUEST;
    frame.method = (char *)method;
    frame.timeout_ms = 10000;
    frame.payload.len = protobuf_c_message_get_packed_size(request);
    frame.payload.data = malloc(frame.payload.len + 1);
    protobuf_c_message_pack(request, frame.payload.data);

    size_t size = choros__v1__frame__get_packed_size(&frame);
    uint8_t *buffer = malloc(size + 4);
    uint32_t prefix = htonl((uint32_t)size);
    memcpy(buffer, &prefix, 4);
    choros__v1__frame__pack(&frame, buffer + 4);
    write_all(buffer, size + 4);
    free(buffer);
    free(frame.payload.data);

    uint8_t length_bytes[4];
    read_all(length_bytes, 4);
    uint32_t length;
    memcpy(&length, length_bytes, 4);
    length = ntohl(length);
    uint8_t *body = malloc(length);
    read_all(body, length);
    Choros__V1__Frame *response = choros__v1__frame__unpack(NULL, length, body);
    free(body);
    if (response == NULL) fail("the response frame does not decode");
    if (response->status != NULL && response->status->code != CHOROS__V1__CODE__OK) {
        fprintf(stderr, "choros_client: %s refused: %s\n", method, response->status->message);
        exit(1);
    }
    ProtobufCBinaryData payload;
    payload.len = response->payload.len;
    payload.data = malloc(payload.len + 1);
    memcpy(payload.data, response->payload.data, payload.len);
    choros__v1__frame__free_unpacked(response, NULL);
    return payload;
}

static void to_hex(const uint8_t *bytes, size_t count, char *out) {
    sodium_bin2hex(out, count * 2 + 1, bytes, count);
}

/* The seed from a key file: {"author":"mnk_…","kind":"choros-ed25519-key","seed":"<64 hex>"}. */
static void load_key(const char *path, uint8_t public_key[32], uint8_t secret_key[64]) {
    FILE *file = fopen(path, "r");
    if (file == NULL) fail("cannot open the key file");
    char text[512] = {0};
    size_t got = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[got] = 0;
    const char *seed_hex = strstr(text, "\"seed\":\"");
    if (seed_hex == NULL) fail("the key file holds no seed");
    seed_hex += strlen("\"seed\":\"");
    uint8_t seed[32];
    size_t seed_length = 0;
    if (sodium_hex2bin(seed, sizeof seed, seed_hex, 64, NULL, &seed_length, NULL) != 0 || seed_length != 32)
        fail("the seed is not 64 hex digits");
    crypto_sign_seed_keypair(public_key, secret_key, seed);
}

int main(int argc, char **argv) {
    if (argc != 3) fail("usage: choros_client GATEWAY_SOCKET KEY_FILE");
    if (sodium_init() < 0) fail("libsodium did not initialize");
    uint8_t public_key[32], secret_key[64];
    load_key(argv[2], public_key, secret_key);
    char author[4 + 64 + 1] = "mnk_";
    to_hex(public_key, 32, author + 4);

    sock = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    if (connect(sock, (struct sockaddr *)&address, sizeof address) != 0) fail("cannot connect to the gateway");

    /* Handshake: Hello, Challenge, Prove over
     * "choros-handshake-v2\n" || deployment_id || "\n" || server nonce || client nonce. */
    uint8_t client_nonce[32];
    randombytes_buf(client_nonce, sizeof client_nonce);
    Choros__V1__HelloRequest hello = CHOROS__V1__HELLO_REQUEST__INIT;
    hello.author = author;
    hello.client_nonce.data = client_nonce;
    hello.client_nonce.len = 32;
    hello.client_version = "c-interop";
    ProtobufCBinaryData payload = call("/choros.v1.Gateway/Hello", &hello.base);
    Choros__V1__ChallengeResponse *challenge = choros__v1__challenge_response__unpack(NULL, payload.len, payload.data);
    free(payload.data);
    if (challenge == NULL || challenge->server_nonce.len != 32 || strlen(challenge->deployment_id) != 32)
        fail("bad challenge");
    /* Every op names the deployment the gateway named. */
    char deployment[33];
    memcpy(deployment, challenge->deployment_id, 33);
    const char *context = "choros-handshake-v2\n";
    uint8_t message[20 + 32 + 1 + 64];
    memcpy(message, context, 20);
    memcpy(message + 20, deployment, 32);
    message[52] = '\n';
    memcpy(message + 53, challenge->server_nonce.data, 32);
    memcpy(message + 85, client_nonce, 32);
    uint8_t proof[64];
    crypto_sign_detached(proof, NULL, message, sizeof message, secret_key);
    choros__v1__challenge_response__free_unpacked(challenge, NULL);
    Choros__V1__ProveRequest prove = CHOROS__V1__PROVE_REQUEST__INIT;
    prove.sig.data = proof;
    prove.sig.len = 64;
    payload = call("/choros.v1.Gateway/Prove", &prove.base);
    Choros__V1__BoundResponse *bound = choros__v1__bound_response__unpack(NULL, payload.len, payload.data);
    free(payload.data);
    printf("bound %s\n", bound->name);
    choros__v1__bound_response__free_unpacked(bound, NULL);

    /* Canon state. */
    Choros__V1__CanonStateRequest state_request = CHOROS__V1__CANON_STATE_REQUEST__INIT;
    payload = call("/choros.v1.Gateway/CanonState", &state_request.base);
    Choros__V1__CanonStateResponse *state = choros__v1__canon_state_response__unpack(NULL, payload.len, payload.data);
    free(payload.data);
    printf("canon %s seq %s paths %zu\n", state->tip, state->seq, state->n_paths);
    choros__v1__canon_state_response__free_unpacked(state, NULL);

    /* One signed entry. Canonical JSON (RFC 8785): keys sorted, no whitespace; these values
     * are plain ASCII, so formatting them by hand is exact. */
    char key[32];
    snprintf(key, sizeof key, "c-%ld", (long)time(NULL));
    char body[512];
    snprintf(body, sizeof body,
             "{\"body\":\"Written by a C client.\",\"domain\":\"interop\",\"key\":\"%s\",\"slug\":\"from-c\"}", key);
    int64_t ts = (int64_t)time(NULL) * 1000;
    char signed_payload[1024];
    snprintf(signed_payload, sizeof signed_payload,
             "{\"author\":\"%s\",\"body\":%s,\"dep\":\"%s\",\"prev\":[],\"ts\":%" PRId64
             ",\"type\":\"entry.commit\",\"v\":1}",
             author, body, deployment, ts);
    uint8_t signature[64];
    crypto_sign_detached(signature, NULL, (const uint8_t *)signed_payload, strlen(signed_payload), secret_key);
    char signature_hex[129];
    to_hex(signature, 64, signature_hex);
    char envelope[1280];
    snprintf(envelope, sizeof envelope,
             "{\"author\":\"%s\",\"body\":%s,\"dep\":\"%s\",\"prev\":[],\"sig\":\"%s\",\"ts\":%" PRId64
             ",\"type\":\"entry.commit\",\"v\":1}",
             author, body, deployment, signature_hex, ts);
    uint8_t digest[32];
    crypto_generichash(digest, 32, (const uint8_t *)envelope, strlen(envelope), NULL, 0);
    char op_id[3 + 64 + 1] = "op_";
    to_hex(digest, 32, op_id + 3);

    Choros__V1__SignedOp op = CHOROS__V1__SIGNED_OP__INIT;
    op.v = 1;
    op.type = "entry.commit";
    op.author = author;
    op.ts = ts;
    op.body.data = (uint8_t *)body;
    op.body.len = strlen(body);
    op.sig = signature_hex;
    op.op_id = op_id;
    op.dep = deployment;
    Choros__V1__WriteRequest write_request = CHOROS__V1__WRITE_REQUEST__INIT;
    write_request.op = &op;
    payload = call("/choros.v1.Gateway/KipCommit", &write_request.base);
    Choros__V1__WriteResult *result = choros__v1__write_result__unpack(NULL, payload.len, payload.data);
    free(payload.data);
    printf("committed %s %s by %s\n", result->path, result->oid, result->author);
    choros__v1__write_result__free_unpacked(result, NULL);
    close(sock);
    return 0;
}
