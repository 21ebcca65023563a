// A config drive as Nova makes one: an ISO 9660 image labeled "config-2"
// with the files of Nova's metadata for every version (nova/api/metadata/
// base.py metadata_for_config_drive): openstack/<version>/meta_data.json
// (uuid, name, hostname, metadata, public_keys, ...), network_data.json,
// user_data, vendor_data.json and vendor_data2.json, and ec2/<version>/
// meta-data.json and user-data. The same renderer answers the metadata
// service (engine/instance_metadata.hpp). cloud-init (and our test image)
// find the drive by its label, so a guest gets its hostname, keys, network
// and user_data with no metadata server.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "engine/instance_metadata.hpp"

namespace cumulo {

// The drive's files by path ("openstack/latest/meta_data.json"), from the
// instance's metadata (admin_pass included: Nova's extra_md). No random
// seed is made here: md carries it.
std::map<std::string, std::string> config_drive_files(const instance_metadata& md);

// Writes the ISO (genisoimage, or xorriso -as mkisofs), with a fresh
// random_seed when md has none. Throws std::runtime_error with the tool's
// output when it fails or none is installed.
void write_config_drive(const std::filesystem::path& iso, instance_metadata md);

// Nova's random_seed: 512 random bytes, base64 (libsodium's randomness).
std::string random_seed();

}  // namespace cumulo
