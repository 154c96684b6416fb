"""The uptake published as open data (Licence Ouverte 2.0): the file, its Table Schema
and data package, and what /open-data says of them."""
