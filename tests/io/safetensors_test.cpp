#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "core/half.h"
#include "file_builders.h"
#include "io/hf_checkpoint.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::test;

namespace {
std::string write_tmp(const std::vector<uint8_t>& b, const std::string& name = "m.safetensors") {
  std::string p = temp_dir() + "/" + name;
  write_bytes(p, b);
  return p;
}
}  // namespace

TEST(Safetensors, ReadsF32F16Bf16) {
  std::vector<uint8_t> data = f32_bytes({1, 2, 3, 4, 5, 6});
  uint16_t h[2] = {f32_to_f16(0.5f), f32_to_f16(-3.f)}, b[2] = {f32_to_bf16(2.f), f32_to_bf16(-0.25f)};
  data.insert(data.end(), reinterpret_cast<uint8_t*>(h), reinterpret_cast<uint8_t*>(h) + 4);
  data.insert(data.end(), reinterpret_cast<uint8_t*>(b), reinterpret_cast<uint8_t*>(b) + 4);
  std::string hdr = R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                    R"("h":{"dtype":"F16","shape":[2],"data_offsets":[24,28]},)"
                    R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[28,32]},"__metadata__":{"format":"pt"}})";
  SafetensorsFile f(write_tmp(safetensors_bytes(hdr, data)));
  auto w = f.load("w");
  EXPECT_EQ(w.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(w.data, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(f.load("h").data, (std::vector<float>{0.5f, -3.f}));
  EXPECT_EQ(f.load("b").data, (std::vector<float>{2.f, -0.25f}));
  EXPECT_THROW(f.load("nope"), Error);
}

TEST(Safetensors, BadFilesGiveErrors) {
  auto data = f32_bytes({1, 2, 3, 4});
  auto bad = [&](const std::string& hdr, const char* what) {
    EXPECT_THROW(SafetensorsFile(write_tmp(safetensors_bytes(hdr, data))), Error) << what;
  };
  bad(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,32]}})", "offsets past the end");
  bad(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", "size does not match the shape");
  bad(R"({"w":{"dtype":"Q9","shape":[4],"data_offsets":[0,16]}})", "unknown dtype");
  bad(R"({"w":{"dtype":"F32","shape":[4]}})", "no offsets");
  bad(R"({"w":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,16]}})", "absurd shape");
  bad(R"({"w": nope})", "not JSON");
  auto good = safetensors_bytes(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data);
  EXPECT_THROW(SafetensorsFile(write_tmp({good.begin(), good.begin() + 20})), Error) << "truncated";
  auto huge_len = good;
  huge_len[7] = 0x7f;
  EXPECT_THROW(SafetensorsFile(write_tmp(huge_len)), Error) << "header length past the end";
  // I64 is a valid safetensors dtype but not a weight type this project loads.
  SafetensorsFile ints(write_tmp(safetensors_bytes(R"({"w":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})", data)));
  EXPECT_THROW(ints.load("w"), Error);
}

TEST(HfCheckpoint, ShardsAndErrors) {
  std::string dir = temp_dir();
  EXPECT_THROW(HfCheckpoint{dir}, Error);  // no config.json
  write_bytes(dir + "/config.json", {'{', '}'});
  EXPECT_THROW(HfCheckpoint{dir}, Error);  // no weights
  auto a = safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", f32_bytes({1, 2}));
  auto b = safetensors_bytes(R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", f32_bytes({3}));
  write_bytes(dir + "/model-00001-of-00002.safetensors", a);
  write_bytes(dir + "/model-00002-of-00002.safetensors", b);
  std::string index = R"({"metadata":{},"weight_map":{"a":"model-00001-of-00002.safetensors",)"
                      R"("b":"model-00002-of-00002.safetensors"}})";
  write_bytes(dir + "/model.safetensors.index.json", {index.begin(), index.end()});
  HfCheckpoint ck(dir);
  EXPECT_EQ(ck.load("a").data, (std::vector<float>{1, 2}));
  EXPECT_EQ(ck.load("b").data, (std::vector<float>{3}));
  std::string wrong = R"({"weight_map":{"a":"model-00002-of-00002.safetensors"}})";
  write_bytes(dir + "/model.safetensors.index.json", {wrong.begin(), wrong.end()});
  EXPECT_THROW(HfCheckpoint{dir}, Error);  // index points at a shard without the tensor
}

// Duplicate tensor names, fractional dimensions and offsets are refused (nlohmann
// alone keeps the last duplicate and truncates 2.5 to 2).
TEST(Safetensors, StrictHeader) {
  auto data = f32_bytes({1, 2, 3, 4});
  auto error = [&](const std::string& hdr) -> std::string {
    try {
      SafetensorsFile(write_tmp(safetensors_bytes(hdr, data)));
    } catch (const Error& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_NE(error(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                  R"("w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})")
                .find("\"w\" appears twice"),
            std::string::npos);
  EXPECT_NE(error(R"({"w":{"dtype":"F32","shape":[4.5],"data_offsets":[0,16]}})").find("not an integer"),
            std::string::npos);
  EXPECT_NE(error(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16.0]}})").find("bad data_offsets"),
            std::string::npos);
}

// An index with an empty weight_map used to end every command with SIGSEGV.
TEST(HfCheckpoint, EmptyOrMalformedIndexIsAnError) {
  std::string dir = temp_dir();
  write_bytes(dir + "/config.json", {'{', '}'});
  auto index_error = [&](const std::string& index) -> std::string {
    write_bytes(dir + "/model.safetensors.index.json", {index.begin(), index.end()});
    try {
      HfCheckpoint ck(dir);
    } catch (const Error& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_NE(index_error(R"({"weight_map":{}})").find("lists no tensors"), std::string::npos);
  EXPECT_NE(index_error(R"({"weight_map":[]})").find("no \"weight_map\" object"), std::string::npos);
  EXPECT_NE(index_error(R"({"metadata":{}})").find("no \"weight_map\" object"), std::string::npos);
  EXPECT_NE(index_error(R"({"weight_map":{"a":".."}})").find("not a plain file name"), std::string::npos);
  EXPECT_NE(index_error(R"({"weight_map":{"a":7}})").find("not a file name"), std::string::npos);
}
