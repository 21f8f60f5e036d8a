CREATE DATABASE pcc_registry;
