"""Drives a running vesselseg server with Triton's own Open Inference Protocol client (tritonclient[http]).

Usage: oip_client_check.py HOST:PORT MODEL_NAME RGB_FILE HEIGHT WIDTH
RGB_FILE holds HEIGHT*WIDTH*3 bytes (row-major RGB). Exits 0 and prints "ok ..." when every check passes;
an assertion or client error exits non-zero with the reason.
"""
import json
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException


def main():
    url, model, rgb_file, h, w = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    client = httpclient.InferenceServerClient(url=url, network_timeout=120.0, connection_timeout=30.0)
    assert client.is_server_live(), "server not live"
    assert client.is_server_ready(), "server not ready"
    assert client.is_model_ready(model), "model not ready"
    server = client.get_server_metadata()
    assert server["name"] == "vesselseg" and "binary_tensor_data" in server["extensions"], server
    meta = client.get_model_metadata(model)
    assert meta["name"] == model, meta
    assert meta["inputs"][0]["name"] == "image" and meta["inputs"][0]["datatype"] == "UINT8", meta
    assert meta["inputs"][0]["shape"] == [1, -1, -1, 3], meta
    assert [o["name"] for o in meta["outputs"]][:2] == ["probabilities", "mask"], meta

    image = np.fromfile(rgb_file, dtype=np.uint8).reshape(1, h, w, 3)
    inp = httpclient.InferInput("image", list(image.shape), "UINT8")
    inp.set_data_from_numpy(image, binary_data=False)
    wanted = [httpclient.InferRequestedOutput(n, binary_data=False) for n in ("probabilities", "mask", "fov")]
    result = client.infer(model, [inp], outputs=wanted, request_id="tc-1")
    prob = result.as_numpy("probabilities")
    mask = result.as_numpy("mask")
    fov = result.as_numpy("fov")
    assert prob.shape == (1, h, w) and prob.dtype == np.float32, (prob.shape, prob.dtype)
    assert mask.shape == (1, h, w) and mask.dtype == np.uint8, (mask.shape, mask.dtype)
    assert 0.0 <= prob.min() and prob.max() <= 1.0, (prob.min(), prob.max())
    response = result.get_response()
    assert response["id"] == "tc-1" and response["model_name"] == model, {k: response[k] for k in ("id", "model_name")}
    threshold = np.float32(response["parameters"]["threshold"])
    expected = ((prob >= threshold) & (fov == 1)).astype(np.uint8)
    assert np.array_equal(mask, expected), "mask != probabilities >= threshold inside the FOV: %d pixels differ" % (
        int((mask != expected).sum()))
    assert mask.sum() > 0, "no vessel found in a synthetic fundus photograph"

    # only the outputs asked for come back
    only = client.infer(model, [inp], outputs=[httpclient.InferRequestedOutput("mask", binary_data=False)])
    assert only.get_output("probabilities") is None and only.get_output("fov") is None, only.get_response().keys()
    assert np.array_equal(only.as_numpy("mask"), mask), "the same photograph gave another mask"

    # errors come back as the client's exception with the server's message
    try:
        client.get_model_metadata("arteries")
        raise AssertionError("an unknown model was accepted")
    except InferenceServerException as e:
        assert "not served here" in e.message(), e.message()
    bad = httpclient.InferInput("image", [h, w, 3], "UINT8")
    bad.set_data_from_numpy(image[0], binary_data=False)
    try:
        client.infer(model, [bad])
        raise AssertionError("a [H, W, 3] input was accepted")
    except InferenceServerException as e:
        assert "expected [1, H, W, 3]" in e.message(), e.message()

    # tritonclient's defaults: the binary tensor extension for the input and for every output
    binary = httpclient.InferInput("image", list(image.shape), "UINT8")
    binary.set_data_from_numpy(image)
    raw = client.infer(model, [binary])
    assert raw.get_output("probabilities")["parameters"]["binary_data_size"] == 4 * h * w, raw.get_response()
    assert np.array_equal(raw.as_numpy("probabilities"), prob), "binary probabilities differ from the JSON ones"
    assert np.array_equal(raw.as_numpy("mask"), mask), "binary mask differs from the JSON one"
    assert np.array_equal(raw.as_numpy("fov"), fov), "binary FOV differs from the JSON one"
    mixed = client.infer(model, [binary], outputs=[httpclient.InferRequestedOutput("mask"),
                                                   httpclient.InferRequestedOutput("probabilities", binary_data=False)])
    assert np.array_equal(mixed.as_numpy("mask"), mask) and np.array_equal(mixed.as_numpy("probabilities"), prob)
    assert "data" in mixed.get_output("probabilities") and "data" not in mixed.get_output("mask")
    client.close()
    print("ok " + json.dumps({"threshold": float(threshold), "vessel_pixels": int(mask.sum()),
                              "fov_pixels": int(fov.sum()), "prob_mean": float(prob.mean())}))


if __name__ == "__main__":
    main()
