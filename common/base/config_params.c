/*
 * config_params.c - the settings every service program shares. Each is
 * also read from BMDSTREAM_<NAME> (see bs/config.h); scripts/stack.sh up
 * prints them for the local stack.
 */
#include "bs/config.h"

const bs_config_param bs_config_service_params[] = {
    {"database_url", BS_CFG_STRING, "", "PostgreSQL conninfo or postgresql:// URL", 1},
    {"database_credentials", BS_CFG_STRING, "",
     "PostgreSQL credentials: a file, or a directory of <principal>.conninfo (libpq keywords, "
     "e.g. user=... password=...) overriding the URL's",
     0},
    {"kafka_bootstrap", BS_CFG_STRING, "127.0.0.1:9092", "Kafka bootstrap servers", 0},
    {"kafka_credentials", BS_CFG_STRING, "",
     "Kafka credentials: a properties file, or a directory of <principal>.properties", 0},
    {"topic_prefix", BS_CFG_STRING, "", "prefix of every topic name, e.g. 'lab1.'", 0},
    {"object_store", BS_CFG_STRING, "s3", "'s3', or file:///dir for a local directory", 0},
    {"s3_endpoint", BS_CFG_STRING, "http://127.0.0.1:9000", "S3 endpoint (path-style)", 0},
    {"s3_bucket", BS_CFG_STRING, "bmdstream", "S3 bucket", 0},
    {"s3_region", BS_CFG_STRING, "us-east-1", "S3 signing region", 0},
    {"s3_access_key", BS_CFG_STRING, NULL, "S3 access key id", 0},
    {"s3_secret_key", BS_CFG_STRING, NULL, "S3 secret key", 1},
    {"log_level", BS_CFG_STRING, "notice", "error, warning, notice, info or debug", 0},
};

const size_t bs_config_service_params_count =
    sizeof(bs_config_service_params) / sizeof(bs_config_service_params[0]);
